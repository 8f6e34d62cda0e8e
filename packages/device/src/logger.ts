import { type DestinationStream, type Level, type Logger, pino } from "pino";
import type { LogTap } from "./logs/log-tap.ts";

/**
 * JSON lines on stdout. Every line the device writes carries `thingName` (bound by the
 * device); the message is a stable dotted event name such as `connection.backoff`. With a
 * `tap`, each line is also handed to it (device logs shipped on request).
 */
export function createDeviceLogger(options: { level?: Level; tap?: LogTap } = {}): Logger {
  // Synchronous: a device logs a few lines a minute, and the last ones (`device.stopped`,
  // `device.failed`) must not be lost when the process exits right after them.
  const stdout = pino.destination({ dest: 1, sync: true });
  const { tap } = options;
  const destination: DestinationStream =
    tap === undefined
      ? stdout
      : {
          write(line: string) {
            stdout.write(line);
            tap.write(line);
          },
        };
  return pino(
    {
      name: "fleet-device",
      level: options.level ?? "info",
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
