import { resolve } from "node:path";
import type { Command } from "commander";
import { readAllowListFile } from "../allow-list-file.ts";
import { UsageError } from "../errors.ts";
import { runSandbox } from "../sandbox/run-sandbox.ts";
import { parseDevicesOption } from "../sandbox/simulated-serials.ts";
import { DEFAULT_STATE_DIR } from "./target-options.ts";

interface SandboxCommandOptions {
  devices: string;
  stateDir: string;
  mqttPort: string;
  host: string;
  allow?: string;
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
      "interface to listen on (the API is unauthenticated: keep loopback)",
      "127.0.0.1",
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
        untilStopped: stopSignal(),
      });
    });
}

/** Resolves on the first Ctrl-C or SIGTERM; a second Ctrl-C exits at once. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.once("SIGINT", () => process.exit(130));
      resolveSignal(signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}
