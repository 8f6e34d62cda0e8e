#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import type { Level } from "pino";
import { loadDeviceConfig } from "../config.ts";
import { startDevice } from "../device.ts";
import { DeviceError } from "../errors.ts";
import { createDeviceLogger } from "../logger.ts";
import { CLIENT_VERSION } from "../version.ts";

/** Bad flags, or a config (or a file it names) that cannot be used. */
const EXIT_USAGE = 2;
/** A local fault after start (e.g. the provisioned key could not be written). */
const EXIT_FAILURE = 1;

const program = new Command("fleet-device")
  .description(
    "Device client: provisions itself by claim when it has no certificate yet, connects to AWS IoT Core (or the sandbox) and sends telemetry.",
  )
  .version(CLIENT_VERSION)
  .requiredOption("--config <path>", "device config file (JSON)")
  .addOption(
    new Option("--log-level <level>", "log level")
      .choices(["fatal", "error", "warn", "info", "debug", "trace"])
      .default("info"),
  )
  .exitOverride();

try {
  program.parse();
} catch (error) {
  // Commander has already printed help, the version or the usage error.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  throw error;
}

const flags = program.opts<{ config: string; logLevel: Level }>();
try {
  const config = await loadDeviceConfig(flags.config);
  const device = await startDevice(config, {
    logger: createDeviceLogger({ level: flags.logLevel }),
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
