import { type Telemetry, TelemetrySchema, telemetryTopic } from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Clock, TimerHandle, Timers } from "../clock.ts";
import type { DeviceConnection } from "../connection/device-connection.ts";
import type { Sequence } from "./sequence.ts";

export interface HeartbeatReading {
  seq: number;
  /** Epoch milliseconds of the reading. */
  now: number;
  /** Epoch milliseconds when the client process started. */
  startedAt: number;
  clientVersion: string;
  reconnects: number;
}

/** A heartbeat telemetry message, checked against the core contract before it is sent. */
export function buildHeartbeat(reading: HeartbeatReading): Telemetry {
  return TelemetrySchema.parse({
    schemaVersion: 1,
    seq: reading.seq,
    deviceTime: new Date(reading.now).toISOString(),
    heartbeat: {
      uptimeSeconds: Math.floor((reading.now - reading.startedAt) / 1000),
      clientVersion: reading.clientVersion,
      reconnects: reading.reconnects,
    },
  });
}

export interface HeartbeatOptions {
  thingName: string;
  intervalMs: number;
  connection: Pick<DeviceConnection, "state" | "events" | "reconnects" | "publish">;
  sequence: Sequence;
  clock: Clock;
  timers: Timers;
  startedAt: number;
  clientVersion: string;
  logger: Logger;
  /** Called after the broker acknowledged a heartbeat. */
  onPublished?: (message: Telemetry) => void;
}

export interface Heartbeat {
  stop(): void;
}

/**
 * Publishes a heartbeat (QoS 1) right after each connect and then every `intervalMs` while
 * connected. Nothing is sent or kept while disconnected: offline buffering of telemetry is a
 * later stage, and a stale heartbeat says nothing about liveness anyway.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { connection, timers, logger } = options;
  const topic = telemetryTopic(options.thingName);
  let timer: TimerHandle | undefined;

  const cancel = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  const schedule = () => {
    timer = timers.setTimeout(() => {
      schedule();
      void beat();
    }, options.intervalMs);
  };
  const beat = async () => {
    if (connection.state !== "connected") {
      logger.debug({ state: connection.state }, "heartbeat.skipped");
      return;
    }
    const seq = options.sequence.next();
    try {
      const message = buildHeartbeat({
        seq,
        now: options.clock.now(),
        startedAt: options.startedAt,
        clientVersion: options.clientVersion,
        reconnects: connection.reconnects,
      });
      await connection.publish(topic, JSON.stringify(message), 1);
      logger.debug({ seq }, "heartbeat.published");
      options.onPublished?.(message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn({ seq, reason }, "heartbeat.failed");
    }
  };
  const onState = ({ state }: { state: string }) => {
    cancel();
    if (state !== "connected") return;
    schedule();
    void beat();
  };

  connection.events.on("state", onState);
  return {
    stop() {
      connection.events.off("state", onState);
      cancel();
    },
  };
}
