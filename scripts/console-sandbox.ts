import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import {
  createOperatorClient,
  OPERATOR_ROUTES,
  type ReleaseRecord,
  stageResourceNames,
} from "@fleet/core/contracts";
import { readSandboxInfo, type SandboxInfo } from "@fleet/sandbox/http-api";
import { buildApp } from "./build-app.ts";

const FLEET_BIN = resolve(import.meta.dirname, "../packages/cli/src/bin/fleet.ts");
const LED_APP = resolve(import.meta.dirname, "../apps/led");

export interface ConsoleSandbox {
  /** The launch URL `fleet sandbox` printed. */
  consoleUrl: string;
  /** What `sandbox.json` tells clients: the API and its bearer token. */
  info: SandboxInfo;
  stateDir: string;
  stop(): Promise<void>;
}

/**
 * `fleet sandbox` as `npm start` runs it (three simulated devices, short-lived certificates),
 * on a fresh state dir and a free MQTT port; resolves once it has printed the console URL.
 */
export async function startConsoleSandbox(
  extraArgs: readonly string[] = [],
): Promise<ConsoleSandbox> {
  const stateDir = await mkdtemp(join(tmpdir(), "fleet-console-"));
  const child = spawn(
    process.execPath,
    [
      FLEET_BIN,
      "sandbox",
      "--devices",
      "3",
      "--cert-validity",
      "10m",
      "--rotation-threshold",
      "5m",
      "--state-dir",
      stateDir,
      "--mqtt-port",
      "0",
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((done) => child.once("exit", done));
    }
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const consoleUrl = await printedConsoleUrl(child);
    const info = await readSandboxInfo(stateDir);
    if (info === null) throw new Error("the sandbox printed its console URL before sandbox.json");
    return { consoleUrl, info, stateDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function printedConsoleUrl(child: ChildProcess): Promise<string> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((found, failed) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const url = /^console: (http:\S+)/.exec(line)?.[1];
      if (url !== undefined) found(url);
    });
    child.once("exit", (code) =>
      failed(
        new Error(`fleet sandbox exited (${code}) before printing its console URL: ${stderr}`),
      ),
    );
  });
}

/**
 * Releases the demo LED app as the start banner suggests: to the canary group (the first
 * simulated device), then the fleet group. Through the API with the CLI's bearer token.
 */
export async function releaseLedApp(sandbox: ConsoleSandbox): Promise<ReleaseRecord> {
  const built = await buildApp(LED_APP, join(sandbox.stateDir, "built-apps"));
  const api = createOperatorClient(OPERATOR_ROUTES, {
    url: sandbox.info.apiUrl,
    token: sandbox.info.token,
  });
  const names = stageResourceNames("sandbox");
  return api.createRelease({
    artifactPath: built.file,
    targets: [names.thingGroupName],
    canaryGroup: names.canaryThingGroupName,
  });
}
