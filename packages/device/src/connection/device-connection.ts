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
  /**
   * The broker refused an attempt as not authorized (a refusing CONNACK, a certificate alert or
   * a close before CONNACK; see `connect-refusal.ts`).
   */
  certificateRefused: [end: SessionEnd & { files: TlsFiles }];
}

/**
 * How the first attempt with switched credentials ended (see `switchCredentials`); `timedOut`
 * when neither an acceptance nor a refusal came within `switchTimeoutMs`.
 */
export type SwitchOutcome =
  | { accepted: true }
  | { accepted: false; end: SessionEnd; timedOut?: boolean };

/** The last of the consecutive not-authorized refusals that ended the loop. */
export interface Refusal {
  reason: string;
  /** CONNACK return code, when the refusal was one (a TLS alert has none). */
  returnCode?: number;
  /** Consecutive not-authorized refusals counted (the limit). */
  refusals: number;
  /** The broker refused the certificate as expired: the loop stopped at the first refusal. */
  expired?: boolean;
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
   * Stop retrying after this many consecutive not-authorized refusals (`refusedRepeatedly`),
   * or at the first refusal of the certificate as expired. Default: never stop (an operator
   * may yet activate the certificate or fix the policy).
   */
  refusalLimit?: number;
  /**
   * Whether the certificate in use is past its notAfter by the device's own clock. With a
   * `refusalLimit`, a failed attempt while it is stops the loop like an expiry refusal: a
   * broker that drops the handshake without an alert (Node's TLS server) would otherwise be
   * retried forever. Default: never.
   */
  certificateExpired?: () => boolean;
  /**
   * Least time between two CONNECTs of this client id, whatever the backoff says (a retry, a
   * credential switch, the fall-back to the old certificate). Default 1000: AWS IoT Core
   * "restricts MQTT CONNECT requests from the same accountId and clientId to 1 MQTT CONNECT
   * operation per second" (AWS General Reference, AWS IoT Core quotas).
   */
  minConnectIntervalMs?: number;
  /**
   * Up to this much random time is added to `minConnectIntervalMs`, so that devices told to
   * switch at once do not reconnect in step. Default 1000 (AWS IoT has been seen throttling
   * below its stated 1 per second: github.com/aws-greengrass/aws-greengrass-nucleus/pull/1003).
   */
  connectJitterMs?: number;
  /**
   * Longest wait for the outcome of `switchCredentials`: then it resolves `timedOut` (the
   * caller falls back) while the loop keeps retrying. Default 90000 (three CONNACK timeouts).
   */
  switchTimeoutMs?: number;
}

export const DEVICE_CONNECTION_DEFAULTS = {
  minConnectIntervalMs: 1_000,
  connectJitterMs: 1_000,
  switchTimeoutMs: 90_000,
} as const;

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
   * Makes the following attempts use `files` and reconnects as soon as the CONNECT spacing
   * allows (a connection that is up is closed first). Resolves when the broker accepts the
   * connection or refuses it, or after `switchTimeoutMs` (`timedOut`); a network failure in
   * between is retried with backoff as usual.
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
 * then concludes its certificate was revoked), and so does one refusal as expired.
 */
export function createDeviceConnection(options: DeviceConnectionOptions): DeviceConnection {
  const { openSession, logger, clock, timers } = options;
  const minConnectIntervalMs =
    options.minConnectIntervalMs ?? DEVICE_CONNECTION_DEFAULTS.minConnectIntervalMs;
  const connectJitterMs = options.connectJitterMs ?? DEVICE_CONNECTION_DEFAULTS.connectJitterMs;
  const switchTimeoutMs = options.switchTimeoutMs ?? DEVICE_CONNECTION_DEFAULTS.switchTimeoutMs;
  // A copy: `switchCredentials` changes the files the next attempts read.
  const target: SessionTarget = { ...options.target, tls: { ...options.target.tls } };
  const useFiles = (files: TlsFiles) => {
    target.tls = { ...target.tls, certFile: files.certFile, keyFile: files.keyFile };
  };
  let switching: ((outcome: SwitchOutcome) => void) | undefined;
  let switchTimer: TimerHandle | undefined;
  const settleSwitch = (outcome: SwitchOutcome) => {
    const resolve = switching;
    switching = undefined;
    if (switchTimer !== undefined) timers.clearTimeout(switchTimer);
    switchTimer = undefined;
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
  /** When the last CONNECT went out (an attempt began), for the spacing. */
  let lastAttemptAt: number | undefined;
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

  /** How long to wait before a CONNECT wanted in `delayMs`: never sooner than the spacing. */
  const spaced = (delayMs: number) => {
    if (lastAttemptAt === undefined) return delayMs;
    const gapMs = minConnectIntervalMs + Math.floor(options.random() * connectJitterMs);
    return Math.max(delayMs, lastAttemptAt + gapMs - clock.now());
  };

  /** Attempts now when `delayMs` <= 0, else once it has passed (the state is `backoff`). */
  const scheduleAttempt = (delayMs: number) => {
    if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
    retryTimer = undefined;
    if (delayMs <= 0) {
      attempt();
      return;
    }
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      attempt();
    }, delayMs);
  };

  const attempt = () => {
    transition("connecting", { attempt: backoff.attempt });
    lastAttemptAt = clock.now();
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
    // A close before CONNACK is also AWS IoT's answer to a CONNECT too soon after the previous
    // one (a restarted process): only a second refusal in a row, a second or more later, ends
    // a credential switch. Either counts toward `refusalLimit`.
    const conclusive = refused && (end.closedBeforeConnack !== true || refusals >= 2);
    if (wasConnected) events.emit("disconnected", end);
    // An expired certificate is never accepted again: counting more refusals only waits.
    const expired =
      (refused && end.certificateExpired === true) ||
      (!wasConnected && options.certificateExpired?.() === true);
    if (options.refusalLimit !== undefined && (refusals >= options.refusalLimit || expired)) {
      const refusal = {
        reason: end.reason,
        returnCode: end.returnCode,
        refusals,
        ...(expired && { expired }),
      };
      refusals = 0;
      backoff.reset();
      transition("idle", refusal);
      events.emit("refusedRepeatedly", refusal);
    } else {
      const delayMs = spaced(backoff.next());
      transition("backoff", { attempt: backoff.attempt, delayMs, reason: end.reason });
      scheduleAttempt(delayMs);
    }
    if (conclusive) {
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
    const reason = "switch-credentials";
    if (state === "connected" || state === "connecting") {
      attemptId += 1;
      transition("backoff", { attempt: backoff.attempt, delayMs: spaced(0), reason });
      // A session still opening is kept by its attempt once open: close it after that.
      await opening;
      const stale = session;
      session = undefined;
      await stale?.close();
    }
    if (state === "idle")
      transition("backoff", { attempt: backoff.attempt, delayMs: spaced(0), reason });
    // Closing took time: the spacing is measured again.
    if (state === "backoff") scheduleAttempt(spaced(0));
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
      // From `idle`, after refusals: the last CONNECT may be less than the spacing ago.
      const delayMs = spaced(0);
      if (delayMs > 0)
        transition("backoff", { attempt: backoff.attempt, delayMs, reason: "start" });
      scheduleAttempt(delayMs);
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
      // A deadline for the newest switch: without it a broker that neither accepts nor refuses
      // (timeouts, network failures retried with backoff) would hold a rotation forever.
      if (switchTimer !== undefined) timers.clearTimeout(switchTimer);
      switchTimer = timers.setTimeout(() => {
        switchTimer = undefined;
        const reason = `no CONNACK with the switched credentials within ${switchTimeoutMs} ms`;
        logger.warn({ certFile: files.certFile, switchTimeoutMs }, "connection.switch-timed-out");
        settleSwitch({ accepted: false, end: { reason }, timedOut: true });
      }, switchTimeoutMs);
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
