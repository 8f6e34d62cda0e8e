import { type Level, type Logger, pino } from "pino";

/**
 * JSON lines on stdout. Every line the device writes carries `thingName` (bound by the
 * device); the message is a stable dotted event name such as `connection.backoff`.
 */
export function createDeviceLogger(options: { level?: Level } = {}): Logger {
  return pino(
    {
      name: "fleet-device",
      level: options.level ?? "info",
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous: a device logs a few lines a minute, and the last ones (`device.stopped`,
    // `device.failed`) must not be lost when the process exits right after them.
    pino.destination({ dest: 1, sync: true }),
  );
}
