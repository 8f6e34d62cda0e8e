import { resolve } from "node:path";
import type { Command } from "commander";
import { readAllowListFile } from "../allow-list-file.ts";
import { parseDurationOption } from "../duration-option.ts";
import { UsageError } from "../errors.ts";
import { runSandbox } from "../sandbox/run-sandbox.ts";
import { parseDevicesOption } from "../sandbox/simulated-serials.ts";
import { stopSignal } from "../stop-signal.ts";
import { DEFAULT_STATE_DIR } from "./target-options.ts";

interface SandboxCommandOptions {
  devices: string;
  stateDir: string;
  mqttPort: string;
  host: string;
  allow?: string;
  certValidity?: string;
  rotationThreshold?: string;
  auditInterval?: string;
}

export function registerSandboxCommand(program: Command): void {
  program
    .command("sandbox")
    .description(
      "run the local cloud (CA, mTLS broker emulating AWS IoT Core, API) and simulated devices",
    )
    .option(
      "--devices <n|serials>",
      "a count of simulated devices, or a comma-separated list of serials",
      "3",
    )
    .option("--state-dir <dir>", "where the sandbox keeps its state", DEFAULT_STATE_DIR)
    .option("--mqtt-port <port>", "MQTT over TLS port", "8883")
    .option(
      "--allow <file>",
      "install this allow-list at start (default: keep the sandbox's list, or allow the simulated devices)",
    )
    .option(
      "--host <address>",
      "interface the MQTT broker listens on (the API always stays on loopback)",
      "127.0.0.1",
    )
    .option(
      "--cert-validity <duration>",
      "lifetime of the device certificates the sandbox issues (default 365d)",
    )
    .option(
      "--rotation-threshold <duration>",
      "the audit rotates certificates expiring within this (default 30d)",
    )
    .option(
      "--audit-interval <duration>",
      "how often the audit and the rotation sweeper run (default 24h)",
    )
    .action(async (options: SandboxCommandOptions) => {
      const serials = parseDevicesOption(options.devices);
      const mqttPort = Number(options.mqttPort);
      if (!Number.isInteger(mqttPort) || mqttPort < 0 || mqttPort > 65535) {
        throw new UsageError(`--mqtt-port ${options.mqttPort}: expected a port number 0-65535`);
      }
      const allowList = options.allow
        ? (await readAllowListFile(options.allow, { allowEmpty: false })).bytes
        : undefined;
      await runSandbox({
        allowList,
        stateDir: resolve(options.stateDir),
        serials,
        host: options.host,
        mqttPort,
        certificateValidityMs: optionalDuration("--cert-validity", options.certValidity),
        rotationThresholdMs: optionalDuration("--rotation-threshold", options.rotationThreshold),
        auditIntervalMs: optionalDuration("--audit-interval", options.auditInterval),
        untilStopped: stopSignal(),
      });
    });
}

function optionalDuration(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDurationOption(flag, value);
}
