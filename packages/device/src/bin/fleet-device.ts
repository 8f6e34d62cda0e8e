#!/usr/bin/env node
import { parseArgs } from "node:util";
import type { Level } from "pino";
import { loadDeviceConfig } from "../config.ts";
import { startDevice } from "../device.ts";
import { DeviceError } from "../errors.ts";
import { createDeviceLogger } from "../logger.ts";
import { createLogTap } from "../logs/log-tap.ts";
import { CLIENT_VERSION } from "../version.ts";

/** Bad flags, or a config (or a file it names) that cannot be used. */
const EXIT_USAGE = 2;
/** A local fault after start (e.g. the provisioned key could not be written). */
const EXIT_FAILURE = 1;

const LOG_LEVELS: readonly Level[] = ["fatal", "error", "warn", "info", "debug", "trace"];

// Node's own parseArgs rather than a CLI framework: two flags do not repay a library that stays
// in a board's memory for the life of the process.
const HELP = `Usage: fleet-device --config <path> [--log-level <level>]

Device client: provisions itself by claim when it has no certificate yet, connects to AWS IoT Core (or the sandbox) and sends telemetry.

Options:
  -V, --version        output the version number
  --config <path>      device config file (JSON)
  --log-level <level>  log level (choices: ${LOG_LEVELS.join(", ")}; default: info)
  -h, --help           display help
`;

function usageError(message: string): never {
  process.stderr.write(`fleet-device: ${message}\n(run fleet-device --help for usage)\n`);
  process.exit(EXIT_USAGE);
}

function parseFlags(): { config: string; logLevel: Level } {
  let values: { config?: string; "log-level"?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: "string" },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.version) {
    process.stdout.write(`${CLIENT_VERSION}\n`);
    process.exit(0);
  }
  if (values.config === undefined) usageError("required option --config <path> not specified");
  const logLevel = values["log-level"] as Level;
  if (!LOG_LEVELS.includes(logLevel)) {
    usageError(`--log-level ${logLevel} is invalid: choose one of ${LOG_LEVELS.join(", ")}`);
  }
  return { config: values.config, logLevel };
}

const flags = parseFlags();
try {
  const config = await loadDeviceConfig(flags.config);
  const logTap = createLogTap();
  const device = await startDevice(config, {
    logger: createDeviceLogger({ level: flags.logLevel, tap: logTap }),
    logTap,
  });
  // Logged by the device (`device.failed`); the service manager restarts the process.
  device.events.on("failed", () => device.stop().finally(() => process.exit(EXIT_FAILURE)));

  let stopping = false;
  const shutDown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    device.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`fleet-device: stop after ${reason} failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutDown);
  process.on("SIGTERM", shutDown);
  // Started by a supervisor with an IPC channel (the sandbox's simulated devices): when the
  // supervisor dies, even by SIGKILL, the channel closes and the device stops too.
  if (process.connected) process.once("disconnect", () => shutDown("supervisor exit"));
} catch (error) {
  if (!(error instanceof DeviceError)) throw error;
  process.stderr.write(`fleet-device: ${error.message}\n`);
  process.exit(EXIT_USAGE);
}
