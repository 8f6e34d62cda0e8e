import { join } from "node:path";
import { type Logger, pino } from "pino";

/**
 * `<stateDir>/sandbox.log`: JSON lines whose `time` is ISO 8601 UTC, the format of each
 * device's `device.log`, so the two read side by side (lines relayed from the sandbox's
 * telemetry thread are logged again here and take this time too).
 */
export function createSandboxLogger(stateDir: string): Logger {
  return pino(
    { level: "info", timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: join(stateDir, "sandbox.log"), mkdir: true }),
  );
}
