import {
  DEVICE_LOG_LIMITS,
  type DeviceLogBatch,
  type DeviceLogLine,
  deviceLogsTopic,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Clock, TimerHandle, Timers } from "../clock.ts";
import type { DeviceConnection } from "../connection/device-connection.ts";
import type { LogTap } from "./log-tap.ts";
import { redactLogLine } from "./redact-log-line.ts";

export interface LogShipperOptions {
  thingName: string;
  connection: Pick<DeviceConnection, "publish">;
  tap: LogTap;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

export interface LogShipper {
  /** Ships every line the device writes from now for `seconds` (replacing the previous end). */
  shipFor(seconds: number): Date;
  /** Stops at once; queued lines are dropped. */
  stop(): void;
}

/** Lines written within this of the first queued one travel in the same message. */
const GATHER_MS = 200;
const MIN_GAP_MS = 1_000 / DEVICE_LOG_LIMITS.maxMessagesPerSecond;

/**
 * Ships the device's log lines on `dt/{thing}/logs` while a window an operator opened lasts,
 * within `DEVICE_LOG_LIMITS`: each line redacted and cut (`redactLogLine`), at most
 * `maxLinesPerMessage` lines and `maxMessageBytes` a message, `maxMessagesPerSecond` messages a
 * second, at most
 * `maxQueuedLines` waiting (the oldest dropped past that, and counted in the next message's
 * `dropped`). A line that cannot be sent (the device is offline) is counted as dropped, not
 * logged: a log line about shipping logs would feed itself.
 */
export function createLogShipper(options: LogShipperOptions): LogShipper {
  const { thingName, connection, tap, clock, timers, logger } = options;
  const topic = deviceLogsTopic(thingName);
  let queue: DeviceLogLine[] = [];
  let dropped = 0;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let flushTimer: TimerHandle | undefined;
  let endTimer: TimerHandle | undefined;
  let shipping = false;

  const onLine = (line: string) => {
    queue.push({ timestamp: clock.now(), message: redactLogLine(line.trimEnd()) });
    if (queue.length > DEVICE_LOG_LIMITS.maxQueuedLines) {
      queue.shift();
      dropped += 1;
    }
    scheduleFlush();
  };

  const scheduleFlush = () => {
    if (flushTimer !== undefined || queue.length === 0) return;
    const delayMs = Math.max(GATHER_MS, lastSentAt + MIN_GAP_MS - clock.now());
    flushTimer = timers.setTimeout(flush, delayMs);
  };

  const flush = () => {
    flushTimer = undefined;
    const lines = takeMessageLines(queue);
    queue = queue.slice(lines.length);
    const batch: DeviceLogBatch = { lines, dropped };
    dropped = 0;
    lastSentAt = clock.now();
    connection.publish(topic, JSON.stringify(batch), 1).catch(() => {
      dropped += lines.length + batch.dropped;
    });
    scheduleFlush();
  };

  const stop = () => {
    shipping = false;
    tap.listen(undefined);
    for (const timer of [flushTimer, endTimer]) {
      if (timer !== undefined) timers.clearTimeout(timer);
    }
    flushTimer = endTimer = undefined;
    queue = [];
    dropped = 0;
  };

  return {
    shipFor(seconds) {
      const until = new Date(clock.now() + seconds * 1_000);
      if (endTimer !== undefined) timers.clearTimeout(endTimer);
      endTimer = timers.setTimeout(() => {
        stop();
        logger.info("logs.shipping-stopped");
      }, seconds * 1_000);
      if (!shipping) {
        shipping = true;
        tap.listen(onLine);
      }
      logger.info({ until: until.toISOString() }, "logs.shipping");
      return until;
    },
    stop,
  };
}

/** The first queued lines that fit one message (always at least one: a line fits alone). */
function takeMessageLines(queue: readonly DeviceLogLine[]): DeviceLogLine[] {
  const taken: DeviceLogLine[] = [];
  // The envelope `{"lines":[],"dropped":N}` and a comma per line.
  let bytes = 64;
  for (const line of queue.slice(0, DEVICE_LOG_LIMITS.maxLinesPerMessage)) {
    bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
    if (taken.length > 0 && bytes > DEVICE_LOG_LIMITS.maxMessageBytes) break;
    taken.push(line);
  }
  return taken;
}
