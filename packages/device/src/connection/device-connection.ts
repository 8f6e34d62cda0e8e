import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Clock, TimerHandle, Timers } from "../clock.ts";
import { NotConnectedError } from "../errors.ts";
import { createBackoff } from "./backoff.ts";
import { assertTransition, type ConnectionState } from "./connection-state.ts";
import type { MqttSession, OpenSession, SessionEnd, SessionTarget } from "./session.ts";

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
}

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
  const { target, openSession, logger, clock, timers } = options;
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
    opening = openSession(target, {
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
        events.emit("connected", { reconnects: connects - 1 });
      },
      onEnded: (end) => {
        sessionEnded = true;
        if (!current()) return;
        session = undefined;
        ended(end);
      },
    }).then(
      (opened) => {
        // Kept even when stop() superseded this attempt, so that stop() can close it.
        if (!sessionEnded) session = opened;
      },
      (error: unknown) => {
        if (!current()) return;
        ended({ reason: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  const ended = (end: SessionEnd) => {
    const wasConnected = state === "connected";
    clearStableTimer();
    if (end.returnCode !== undefined || end.certificateRejected) {
      logger.warn({ reason: end.reason, returnCode: end.returnCode }, "connection.refused");
      if (!wasConnected && end.certificateRejected) refusals += 1;
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
      return;
    }
    const delayMs = backoff.next();
    transition("backoff", { attempt: backoff.attempt, delayMs, reason: end.reason });
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      attempt();
    }, delayMs);
  };

  const clearStableTimer = () => {
    if (stableTimer !== undefined) timers.clearTimeout(stableTimer);
    stableTimer = undefined;
  };

  const shutDown = async () => {
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
    stop() {
      if (state === "stopped") return Promise.resolve();
      stopping ??= shutDown();
      return stopping;
    },
  };
}
