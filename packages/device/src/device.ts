import { EventEmitter } from "node:events";
import type { Telemetry } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { type Clock, systemClock, systemTimers, type Timers } from "./clock.ts";
import type { DeviceConfig } from "./config.ts";
import type { ConnectionState } from "./connection/connection-state.ts";
import { type ConnectionEvents, createDeviceConnection } from "./connection/device-connection.ts";
import { openMqttSession } from "./connection/mqtt-session.ts";
import type { OpenSession } from "./connection/session.ts";
import { createDeviceLogger } from "./logger.ts";
import { startHeartbeat } from "./telemetry/heartbeat.ts";
import { createSequence } from "./telemetry/sequence.ts";
import { CLIENT_VERSION } from "./version.ts";

export type DeviceEvents = ConnectionEvents & {
  /** A heartbeat the broker acknowledged. */
  heartbeat: [message: Telemetry];
};

/** Tuning and injected dependencies of `startDevice`; every field is optional. */
export interface DeviceOptions {
  /** Default: pino JSON lines on stdout at level `info`. A child bound to `thingName` is used. */
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: the global `setTimeout`/`clearTimeout`. */
  timers?: Timers;
  /** Uniform in [0, 1), drives the backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** MQTT keepalive. Default 30 (AWS IoT Core accepts 30-1200). */
  keepaliveSeconds?: number;
  /** Abandon an attempt with no CONNACK after this long. Default 30000. */
  connectTimeoutMs?: number;
  /** Longest wait for a clean DISCONNECT on `stop()`. Default 5000. */
  stopTimeoutMs?: number;
  /** How a connection is made. Default: mqtt.js over mutual TLS (`openMqttSession`). */
  openSession?: OpenSession;
  /** Reported in heartbeats. Default: this package's version. */
  clientVersion?: string;
}

export const DEVICE_DEFAULTS = {
  keepaliveSeconds: 30,
  connectTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
} as const;

export interface Device {
  /** Current connection state. */
  readonly state: ConnectionState;
  readonly events: EventEmitter<DeviceEvents>;
  /** Stops heartbeats and retries, sends MQTT DISCONNECT when connected; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the device client: connects at once and keeps the connection up with jittered
 * backoff, and publishes heartbeats while connected. Never throws for network trouble; watch
 * `events` or the logs.
 */
export function startDevice(config: DeviceConfig, options: DeviceOptions = {}): Device {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const logger = (options.logger ?? createDeviceLogger()).child({ thingName: config.thingName });
  const startedAt = clock.now();
  const events = new EventEmitter<DeviceEvents>();

  const connection = createDeviceConnection({
    target: {
      clientId: config.thingName,
      host: config.endpoint.host,
      port: config.endpoint.port,
      tls: config.tls,
      keepaliveSeconds: options.keepaliveSeconds ?? DEVICE_DEFAULTS.keepaliveSeconds,
      connectTimeoutMs: options.connectTimeoutMs ?? DEVICE_DEFAULTS.connectTimeoutMs,
      closeTimeoutMs: options.stopTimeoutMs ?? DEVICE_DEFAULTS.stopTimeoutMs,
    },
    reconnect: config.reconnect,
    openSession: options.openSession ?? openMqttSession,
    logger,
    clock,
    timers,
    random: options.random ?? Math.random,
  });
  connection.events.on("state", (change) => events.emit("state", change));
  connection.events.on("connected", (info) => events.emit("connected", info));
  connection.events.on("disconnected", (end) => events.emit("disconnected", end));
  const heartbeat = startHeartbeat({
    thingName: config.thingName,
    intervalMs: config.heartbeatIntervalSeconds * 1000,
    connection,
    sequence: createSequence(),
    clock,
    timers,
    startedAt,
    clientVersion: options.clientVersion ?? CLIENT_VERSION,
    logger,
    onPublished: (message) => events.emit("heartbeat", message),
  });

  logger.info(
    { clientVersion: options.clientVersion ?? CLIENT_VERSION, endpoint: config.endpoint },
    "device.starting",
  );
  connection.start();

  return {
    get state() {
      return connection.state;
    },
    events,
    async stop() {
      heartbeat.stop();
      await connection.stop();
    },
  };
}
