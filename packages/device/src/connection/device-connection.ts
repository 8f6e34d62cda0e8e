import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Clock, TimerHandle, Timers } from "../clock.ts";
import { errorText } from "../error-text.ts";
import { NotConnectedError } from "../errors.ts";
import { createBackoff } from "./backoff.ts";
import { assertTransition, type ConnectionState } from "./connection-state.ts";
import type { MqttSession, OpenSession, SessionEnd, SessionTarget } from "./session.ts";

/** The device's own certificate and key files. */
export type TlsFiles = Pick<SessionTarget["tls"], "certFile" | "keyFile">;

export interface ConnectionEvents {
  /** Every state change, in order. */
  state: [change: { state: ConnectionState; previous: ConnectionState }];
  /** The broker accepted a connection; `reconnects` counts the ones after the first. */
  connected: [info: { reconnects: number }];
  /** An accepted connection was lost (not emitted on `stop`). */
  disconnected: [end: SessionEnd];
  /**
   * The broker refused the certificate as not authorized `refusalLimit` times in a row; the
   * loop stopped retrying and is `idle` until `start()` is called again.
   */
  refusedRepeatedly: [refusal: Refusal];
  /** A message arrived on a filter subscribed with `subscribe` on the current connection. */
  message: [message: { topic: string; payload: Buffer }];
  /** The broker rejected the certificate of an attempt (CONNACK 5 or a certificate alert). */
  certificateRefused: [end: SessionEnd & { files: TlsFiles }];
}

/** How the first attempt with switched credentials ended (see `switchCredentials`). */
export type SwitchOutcome = { accepted: true } | { accepted: false; end: SessionEnd };

/** The last of the consecutive not-authorized refusals that ended the loop. */
export interface Refusal {
  reason: string;
  /** CONNACK return code, when the refusal was one (a TLS alert has none). */
  returnCode?: number;
  /** Consecutive not-authorized refusals counted (the limit). */
  refusals: number;
}

export interface DeviceConnectionOptions {
  target: SessionTarget;
  reconnect: { initialDelayMs: number; maxDelayMs: number; stableAfterMs: number };
  openSession: OpenSession;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  random: () => number;
  /**
   * Stop retrying after this many consecutive not-authorized refusals (`refusedRepeatedly`).
   * Default: never stop (an operator may yet activate the certificate or fix the policy).
   */
  refusalLimit?: number;
}

export interface DeviceConnection {
  readonly state: ConnectionState;
  /** Successful connects after the first one in this process. */
  readonly reconnects: number;
  readonly events: EventEmitter<ConnectionEvents>;
  /** Begins the first attempt at once (from `idle`); retries follow the backoff. */
  start(): void;
  /** Throws `NotConnectedError` unless connected; resolves on PUBACK for QoS 1. */
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  /**
   * Subscribes the current connection (clean session: subscribe again after each
   * `connected`); messages arrive as `message` events. Throws `NotConnectedError` unless
   * connected.
   */
  subscribe(filters: readonly string[]): Promise<void>;
  /** The certificate and key files the next attempts use. */
  readonly credentials: TlsFiles;
  /**
   * Makes the following attempts use `files` and reconnects at once (a connection that is
   * up is closed first). Resolves when the broker accepts the connection or rejects the
   * certificate; a network failure in between is retried with backoff as usual.
   */
  switchCredentials(files: TlsFiles): Promise<SwitchOutcome>;
  /** Makes the following attempts use `files` without touching the connection that is up. */
  setCredentials(files: TlsFiles): void;
  /** Cancels any pending retry, sends DISCONNECT when connected, ends in `stopped`. */
  stop(): Promise<void>;
}

/**
 * Keeps one MQTT connection up for the device's lifetime: every failed attempt, refused
 * CONNACK or lost connection moves to `backoff` and retries after a full-jitter delay; a
 * connection that stays up `stableAfterMs` resets the backoff. Refusals are retried too,
 * because an operator may yet activate the certificate or fix the policy; with a
 * `refusalLimit`, that many not-authorized refusals in a row end the loop instead (the device
 * then concludes its certificate was revoked).
 */
export function createDeviceConnection(options: DeviceConnectionOptions): DeviceConnection {
  const { openSession, logger, clock, timers } = options;
  // A copy: `switchCredentials` changes the files the next attempts read.
  const target: SessionTarget = { ...options.target, tls: { ...options.target.tls } };
  const useFiles = (files: TlsFiles) => {
    target.tls = { ...target.tls, certFile: files.certFile, keyFile: files.keyFile };
  };
  let switching: ((outcome: SwitchOutcome) => void) | undefined;
  const settleSwitch = (outcome: SwitchOutcome) => {
    const resolve = switching;
    switching = undefined;
    resolve?.(outcome);
  };
  const events = new EventEmitter<ConnectionEvents>();
  const backoff = createBackoff({ ...options.reconnect, random: options.random });

  let state: ConnectionState = "idle";
  let session: MqttSession | undefined;
  // Each attempt gets a number so that callbacks from a superseded session are ignored.
  let attemptId = 0;
  let opening: Promise<void> | undefined;
  let retryTimer: TimerHandle | undefined;
  let stableTimer: TimerHandle | undefined;
  let connects = 0;
  let connectedAt = 0;
  // Only an accepted connection resets it: a flaky link between two refusals proves nothing.
  let refusals = 0;
  let stopping: Promise<void> | undefined;

  const transition = (to: ConnectionState, fields: Record<string, unknown> = {}) => {
    assertTransition(state, to);
    const previous = state;
    state = to;
    logger.info({ state: to, previous, ...fields }, `connection.${to}`);
    events.emit("state", { state: to, previous });
  };

  const attempt = () => {
    transition("connecting", { attempt: backoff.attempt });
    const id = ++attemptId;
    const current = () => id === attemptId && (state === "connecting" || state === "connected");
    let sessionEnded = false;
    opening = openSession(
      { ...target, tls: { ...target.tls } },
      {
        onConnected: (opened) => {
          if (!current()) return;
          session = opened;
          connects += 1;
          refusals = 0;
          connectedAt = clock.now();
          stableTimer = timers.setTimeout(() => {
            stableTimer = undefined;
            backoff.reset();
          }, options.reconnect.stableAfterMs);
          transition("connected", { clientId: target.clientId, reconnects: connects - 1 });
          settleSwitch({ accepted: true });
          events.emit("connected", { reconnects: connects - 1 });
        },
        onMessage: (topic, payload) => {
          if (current()) events.emit("message", { topic, payload });
        },
        onEnded: (end) => {
          sessionEnded = true;
          if (!current()) return;
          session = undefined;
          ended(end);
        },
      },
    ).then(
      (opened) => {
        // Kept even when stop() superseded this attempt, so that stop() can close it.
        if (!sessionEnded) session = opened;
      },
      (error: unknown) => {
        if (!current()) return;
        ended({ reason: errorText(error) });
      },
    );
  };

  const ended = (end: SessionEnd) => {
    const wasConnected = state === "connected";
    const refused = !wasConnected && end.certificateRejected === true;
    clearStableTimer();
    if (end.returnCode !== undefined || end.certificateRejected) {
      logger.warn({ reason: end.reason, returnCode: end.returnCode }, "connection.refused");
      if (refused) refusals += 1;
    } else if (wasConnected) {
      const upMs = clock.now() - connectedAt;
      logger.warn({ reason: end.reason, upMs }, "connection.lost");
    } else {
      logger.warn({ reason: end.reason }, "connection.failed");
    }
    if (wasConnected) events.emit("disconnected", end);
    if (options.refusalLimit !== undefined && refusals >= options.refusalLimit) {
      const refusal = { reason: end.reason, returnCode: end.returnCode, refusals };
      refusals = 0;
      backoff.reset();
      transition("idle", refusal);
      events.emit("refusedRepeatedly", refusal);
    } else {
      const delayMs = backoff.next();
      transition("backoff", { attempt: backoff.attempt, delayMs, reason: end.reason });
      retryTimer = timers.setTimeout(() => {
        retryTimer = undefined;
        attempt();
      }, delayMs);
    }
    if (refused) {
      settleSwitch({ accepted: false, end });
      events.emit("certificateRefused", { ...end, files: { ...target.tls } });
    }
  };

  const clearStableTimer = () => {
    if (stableTimer !== undefined) timers.clearTimeout(stableTimer);
    stableTimer = undefined;
  };

  /** Ends the current session or pending retry without counting it as a failure. */
  const restart = async () => {
    if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
    retryTimer = undefined;
    clearStableTimer();
    if (state === "connected" || state === "connecting") {
      attemptId += 1;
      transition("backoff", { attempt: backoff.attempt, delayMs: 0, reason: "switch-credentials" });
      // A session still opening is kept by its attempt once open: close it after that.
      await opening;
      const stale = session;
      session = undefined;
      await stale?.close();
    }
    if (state === "backoff" || state === "idle") attempt();
  };

  const shutDown = async () => {
    settleSwitch({ accepted: false, end: { reason: "stopped" } });
    transition("stopping");
    if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
    clearStableTimer();
    attemptId += 1;
    await opening;
    await session?.close();
    session = undefined;
    transition("stopped");
  };

  return {
    get state() {
      return state;
    },
    get reconnects() {
      return Math.max(0, connects - 1);
    },
    events,
    start() {
      attempt();
    },
    async publish(topic, payload, qos) {
      if (state !== "connected" || session === undefined) throw new NotConnectedError({ topic });
      await session.publish(topic, payload, qos);
    },
    async subscribe(filters) {
      if (state !== "connected" || session === undefined) {
        throw new NotConnectedError({ topic: filters.join(", ") });
      }
      await session.subscribe(filters);
    },
    get credentials() {
      return { certFile: target.tls.certFile, keyFile: target.tls.keyFile };
    },
    setCredentials: useFiles,
    async switchCredentials(files) {
      if (state === "stopping" || state === "stopped") {
        return { accepted: false, end: { reason: "stopped" } };
      }
      useFiles(files);
      logger.info({ certFile: files.certFile }, "connection.switch-credentials");
      // A switch still waiting is superseded: it reports the outcome of the newer files.
      const outcome = new Promise<SwitchOutcome>((resolve) => {
        const previous = switching;
        switching = (result) => {
          previous?.(result);
          resolve(result);
        };
      });
      await restart();
      return outcome;
    },
    stop() {
      if (state === "stopped") return Promise.resolve();
      stopping ??= shutDown();
      return stopping;
    },
  };
}
