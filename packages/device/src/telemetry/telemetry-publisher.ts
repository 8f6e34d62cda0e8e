import { telemetryTopic } from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Clock, TimerHandle, Timers } from "../clock.ts";
import type { DeviceConnection } from "../connection/device-connection.ts";
import { createPublishPacer } from "../connection/publish-pacer.ts";
import { errorText } from "../error-text.ts";
import { heartbeatSection } from "./heartbeat.ts";
import type { OfflineBuffer } from "./offline-buffer.ts";
import type { AnyTelemetrySource } from "./sources/telemetry-source.ts";
import { buildTelemetryMessage, type SectionReadings } from "./telemetry-message.ts";

export interface TelemetryPublisherOptions {
  thingName: string;
  intervalMs: number;
  connection: Pick<DeviceConnection, "state" | "events" | "reconnects" | "publish">;
  buffer: OfflineBuffer;
  sources: readonly AnyTelemetrySource[];
  clock: Clock;
  timers: Timers;
  startedAt: number;
  clientVersion: string;
  logger: Logger;
  /**
   * QoS 1 messages sent before waiting for their PUBACKs while the buffer drains. Default 10,
   * far below AWS IoT Core's 100 unacknowledged inbound QoS 1 publishes per client.
   */
  maxInFlight?: number;
  /**
   * Most telemetry publishes per second while the buffer drains, after a first `maxInFlight`
   * at once (see `createPublishPacer`: at most 60 in any second by default). Default 50:
   * half of AWS IoT Core's 100 "publish requests per second per connection" (AWS General
   * Reference, AWS IoT Core quotas; over it AWS discards publishes or disconnects THROTTLED),
   * leaving the rest to jobs, shadow and command replies on the same connection. A day offline
   * at a reading a minute (1,440 messages) replays in about 30 s.
   */
  maxPublishesPerSecond?: number;
  /** Called with the JSON payload after the broker acknowledged it (replayed ones included). */
  onPublished?: (payload: string) => void;
  /** Expiry (epoch seconds) of the certificate in use, reported in the heartbeat. */
  certificateNotAfter?: () => number | undefined;
}

export const TELEMETRY_PUBLISHER_DEFAULTS = { maxInFlight: 10, maxPublishesPerSecond: 50 } as const;

export interface TelemetryPublisher {
  /** Sends the buffer now if connected (the publisher also does on each connect and append). */
  drain(): Promise<void>;
  /**
   * Stops taking readings at once; resolves when the reading and publishes under way have
   * settled (publishes settle when the connection closes), after which the buffer may close.
   */
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, connected or not, and right after each connect:
 * 1. Read every source; a failing source, or a reading that breaks its section's contract, is
 *    logged and left out of that message.
 * 2. Append heartbeat + sections to the offline buffer, which assigns the seq and drops the
 *    oldest message when full (logged with the count; the heartbeat reports the total).
 * 3. While connected, send the buffer oldest first at QoS 1, paced under
 *    `maxPublishesPerSecond`, and delete each message only on its PUBACK; a failed publish
 *    stops the drain until the next connect or reading.
 */
export function startTelemetry(options: TelemetryPublisherOptions): TelemetryPublisher {
  const { connection, buffer, timers, logger } = options;
  const maxInFlight = options.maxInFlight ?? TELEMETRY_PUBLISHER_DEFAULTS.maxInFlight;
  const pacer = createPublishPacer({
    perSecond: options.maxPublishesPerSecond ?? TELEMETRY_PUBLISHER_DEFAULTS.maxPublishesPerSecond,
    burst: maxInFlight,
    clock: options.clock,
  });
  const topic = telemetryTopic(options.thingName);
  let timer: TimerHandle | undefined;
  let stopped = false;
  let reading: Promise<void> | undefined;
  let draining: Promise<void> | undefined;

  const schedule = () => {
    timer = timers.setTimeout(() => {
      schedule();
      take();
    }, options.intervalMs);
  };
  const cancel = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };

  const take = () => {
    if (reading) {
      logger.warn("telemetry.readingSkipped");
      return;
    }
    reading = read()
      .then(() => drain())
      .finally(() => {
        reading = undefined;
      });
  };

  const read = async () => {
    const now = options.clock.now();
    const sections = await readSources(options.sources, now, logger);
    if (stopped) return;
    try {
      const { seq, dropped } = buffer.append((seq, status) => {
        const heartbeat = heartbeatSection({
          now,
          startedAt: options.startedAt,
          clientVersion: options.clientVersion,
          reconnects: connection.reconnects,
          buffer: status,
          certificateNotAfter: options.certificateNotAfter?.(),
        });
        const { message, invalid } = buildTelemetryMessage({
          seq,
          now,
          sections: { heartbeat, ...sections },
        });
        for (const { section, reason } of invalid) {
          logger.error({ section, reason }, "telemetry.sourceInvalid");
        }
        return JSON.stringify(message);
      });
      logger.debug({ seq }, "telemetry.buffered");
      if (dropped > 0) {
        const { droppedMessages } = buffer.stats();
        logger.warn({ dropped, droppedMessages }, "telemetry.dropped");
      }
    } catch (error) {
      logger.error({ reason: errorText(error) }, "telemetry.bufferFailed");
    }
  };

  // A request during a drain makes it look at the buffer once more, so an append racing with
  // the end of a drain is never left behind.
  let drainRequested = false;
  const drain = (): Promise<void> => {
    drainRequested = true;
    draining ??= (async () => {
      try {
        while (drainRequested) {
          drainRequested = false;
          await sendBuffered();
        }
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  };

  const sendBuffered = async () => {
    while (!stopped && connection.state === "connected") {
      const batch = buffer.peek(maxInFlight);
      if (batch.length === 0) return;
      const results = await Promise.allSettled(
        batch.map(async (message) => {
          const waitMs = pacer.reserve();
          if (waitMs > 0) await new Promise<void>((resolve) => timers.setTimeout(resolve, waitMs));
          await connection.publish(topic, message.payload, 1);
          // A late PUBACK after stop() is not recorded: the message is sent again next time.
          if (stopped) return;
          buffer.remove(message.id);
          logger.debug({ seq: message.seq }, "telemetry.published");
          options.onPublished?.(message.payload);
        }),
      );
      const failed = results.findIndex((result) => result.status === "rejected");
      if (failed >= 0) {
        const reason = (results[failed] as PromiseRejectedResult).reason;
        logger.warn(
          { seq: batch[failed]?.seq, reason: errorText(reason) },
          "telemetry.publishFailed",
        );
        return;
      }
    }
  };

  // Each connect restarts the interval with a fresh reading, as a liveness signal.
  const onState = ({ state }: { state: string }) => {
    if (state !== "connected" || stopped) return;
    cancel();
    const { queued } = buffer.stats();
    if (queued > 0) logger.info({ queued }, "telemetry.replaying");
    schedule();
    void drain();
    take();
  };

  connection.events.on("state", onState);
  schedule();
  return {
    drain,
    async stop() {
      stopped = true;
      connection.events.off("state", onState);
      cancel();
      await Promise.allSettled([reading, draining]);
    },
  };
}

/** Each source's reading, or nothing for a source that failed (checked when the message is built). */
async function readSources(
  sources: readonly AnyTelemetrySource[],
  now: number,
  logger: Logger,
): Promise<SectionReadings> {
  const results = await Promise.allSettled(sources.map((source) => source.read(now)));
  const sections: SectionReadings = {};
  sources.forEach((source, i) => {
    const result = results[i];
    if (result?.status === "rejected") {
      logger.warn(
        { section: source.section, reason: errorText(result.reason) },
        "telemetry.sourceFailed",
      );
      return;
    }
    sections[source.section] = result?.value;
  });
  return sections;
}
