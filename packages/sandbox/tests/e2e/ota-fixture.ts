// Shared by the OTA end-to-end tests: demo app artifacts, real `fleet-device` processes with
// their apps, and the `fleet` CLI against a sandbox API.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { DeviceView, JobExecutionView } from "@fleet/core/contracts";
import { writeSandboxInfo } from "../../src/http-api/index.ts";
import type { Sandbox, SandboxApi } from "../../src/index.ts";
import { waitFor } from "./sandbox-fixture.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DEVICE_BIN = join(ROOT, "packages/device/src/bin/fleet-device.ts");
const FLEET_BIN = join(ROOT, "packages/cli/src/bin/fleet.ts");
const BUILD_APP = join(ROOT, "scripts/build-app.ts");
/** The simulated reboot: the device stops and exits with this for its supervisor to restart. */
const REBOOT_EXIT_CODE = 75;
/** Short, so that health checks (no `health` command: still running after this) are quick. */
export const HEALTH_GRACE_MS = 1_500;

const run = promisify(execFile);

/**
 * Builds the demo app `apps/<name>` into `<outDir>` with `scripts/build-app.ts` (as
 * `npm run build:apps` does), optionally under another version; returns the artifact's path.
 */
export async function buildDemoApp(name: string, outDir: string, version?: string) {
  const script = `const { buildApp } = await import(${JSON.stringify(BUILD_APP)});
const built = await buildApp(${JSON.stringify(join(ROOT, "apps", name))}, ${JSON.stringify(outDir)}, ${JSON.stringify(version === undefined ? {} : { version })});
process.stdout.write(JSON.stringify(built));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
  return JSON.parse(stdout) as { name: string; version: string; file: string; sha256: string };
}

/** Runs `fleet ...args` to completion; resolves its stdout (rejects on a non-zero exit). */
export async function fleet(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [FLEET_BIN, ...args]);
  return stdout;
}

/** Runs `fleet ...args` expecting it to fail; resolves its exit code and stderr. */
export async function fleetFails(...args: string[]): Promise<{ code: number; stderr: string }> {
  const failure = await run(process.execPath, [FLEET_BIN, ...args]).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  if (failure === undefined) throw new Error(`fleet ${args.join(" ")} succeeded`);
  return { code: failure.code, stderr: failure.stderr };
}

export interface DeviceProcess {
  serial: string;
  thingName: string;
  /** `<stateDir>/apps`: the device's versioned app installs. */
  appsDir: string;
  stateDir: string;
  /** The device's config file, read at each process start. */
  configPath: string;
  /** Every process start so far (the first, and one per simulated reboot or restart). */
  readonly starts: number;
  /** The current process's log lines (pino JSON). */
  readonly lines: Record<string, unknown>[];
  /**
   * SIGKILLs the current process as soon as it logs a line matching `when`, and the apps it
   * started (a power cut: nothing the device ran survives); resolves once it is gone.
   */
  killWhen(when: (line: Record<string, unknown>) => boolean): Promise<void>;
  /** The same power cut, now. */
  kill(): Promise<void>;
  /** Starts the process again (after a kill or a stop). */
  restart(): void;
  /** SIGTERM (the device stops its apps) and waits for the exit. */
  stop(): Promise<void>;
}

export interface DeviceProcessOptions {
  /** Extra device config (merged over the test defaults). */
  config?: Record<string, unknown>;
  /**
   * Provision by claim, as a new device does (its serial has to be on the allow-list), rather
   * than enrolled directly. Default false.
   */
  byClaim?: boolean;
}

/**
 * Enrolls `serial` (or lets it provision by claim) and starts a real `fleet-device` for it,
 * restarting it after each simulated reboot (exit 75) as the sandbox's device supervisor does.
 */
export async function startDeviceProcess(
  sandbox: Sandbox,
  baseDir: string,
  serial: string,
  options: DeviceProcessOptions = {},
): Promise<DeviceProcess> {
  const dir = join(baseDir, "devices", serial);
  const credentialsDir = join(dir, "credentials");
  const stateDir = join(dir, "state");
  const { claim } = sandbox;
  const enrolled =
    options.byClaim === true ? undefined : await sandbox.enrollDevice(serial, credentialsDir);
  const thingName = enrolled?.thingName ?? serial;
  const configPath = join(dir, "config.json");
  await mkdir(dir, { recursive: true });
  await writeFile(
    configPath,
    JSON.stringify({
      serial,
      endpoint: sandbox.mqtt,
      tls: { caFile: enrolled?.caFile ?? claim.caFile },
      credentialsDir,
      ...(enrolled === undefined
        ? {
            provisioning: {
              claimCertFile: claim.certFile,
              claimKeyFile: claim.keyFile,
              templateName: claim.templateName,
              retry: { initialDelayMs: 100, maxDelayMs: 500 },
            },
          }
        : {}),
      stateDir,
      heartbeatIntervalSeconds: 60,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      apps: {
        healthGraceMs: HEALTH_GRACE_MS,
        releasePublicKeyFile: sandbox.releaseKey.publicKeyFile,
      },
      reboot: { command: ["exit"] },
      ...options.config,
    }),
  );
  let child: ChildProcess;
  let stopping = false;
  let starts = 0;
  let lines: Record<string, unknown>[] = [];
  let killer: { when: (line: Record<string, unknown>) => boolean } | undefined;
  const spawnOnce = () => {
    starts += 1;
    lines = [];
    const current = spawn(process.execPath, [DEVICE_BIN, "--config", configPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child = current;
    createInterface({ input: current.stdout as Readable }).on("line", (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(line);
      if (killer?.when(line)) {
        killer = undefined;
        powerCut(current, lines);
      }
    });
    current.once("exit", (code) => {
      if (code === REBOOT_EXIT_CODE && !stopping) spawnOnce();
    });
  };
  spawnOnce();
  const exited = (process: ChildProcess) =>
    process.exitCode !== null || process.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => process.once("exit", () => resolve()));
  await waitFor(`${serial} to connect`, async () => {
    const session = sandbox.sessions.get(thingName);
    const connected =
      session !== undefined &&
      (enrolled === undefined || session.certificateId === enrolled.certificateId);
    return connected ? true : undefined;
  });
  return {
    serial,
    thingName,
    appsDir: join(stateDir, "apps"),
    stateDir,
    configPath,
    get starts() {
      return starts;
    },
    get lines() {
      return lines;
    },
    async killWhen(when) {
      const target = child;
      killer = { when };
      await exited(target);
    },
    async kill() {
      const target = child;
      powerCut(target, lines);
      await exited(target);
    },
    restart() {
      stopping = false;
      spawnOnce();
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited(child);
    },
  };
}

/** SIGKILLs the device process and the process group of every app it started. */
function powerCut(child: ChildProcess, lines: readonly Record<string, unknown>[]): void {
  child.kill("SIGKILL");
  for (const line of lines) {
    if (line.msg !== "app started") continue;
    try {
      process.kill(-Number(line.pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** The device as the sandbox lists it (apps from its shadow). */
export async function deviceView(sandbox: Sandbox, thingName: string): Promise<DeviceView> {
  const view = (await sandbox.listDevices()).find((each) => each.thingName === thingName);
  if (view === undefined) throw new Error(`${thingName} is not listed`);
  return view;
}

/** The version the device's `current` link points at, or null. */
export async function currentVersion(device: DeviceProcess, app: string): Promise<string | null> {
  try {
    return await readlink(join(device.appsDir, app, "current"));
  } catch {
    return null;
  }
}

/**
 * The version of `app` whose process runs on the device now: the app manager logged
 * `app started` with its pid, nothing stopped it since, and the process is alive.
 */
export function runningVersion(device: DeviceProcess, app: string): string | null {
  let started: { version: string; pid: number } | null = null;
  for (const line of device.lines) {
    if (line.app !== app) continue;
    if (line.msg === "app started") {
      started = { version: String(line.version), pid: Number(line.pid) };
    } else if (line.msg === "app stopped" || line.msg === "app exited; restarting") {
      started = null;
    }
  }
  if (started === null) return null;
  try {
    process.kill(started.pid, 0);
    return started.version;
  } catch {
    return null;
  }
}

/** The LED app's persisted state (`<apps>/led/data/led.json`), or null before it wrote one. */
export async function ledState(
  device: DeviceProcess,
): Promise<{ on: boolean; blinking: boolean; blinkHz: number } | null> {
  const file = join(device.appsDir, "led", "data", "led.json");
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, "utf8"));
}

/** Waits until every execution of the job is terminal; returns them. */
export async function settledExecutions(
  sandbox: Sandbox,
  jobId: string,
): Promise<JobExecutionView[]> {
  return waitFor(`job ${jobId}'s executions to end`, async () => {
    const { executions } = await sandbox.describeJob(jobId);
    return executions.length > 0 &&
      executions.every((e) => e.status !== "QUEUED" && e.status !== "IN_PROGRESS")
      ? executions
      : undefined;
  });
}

/**
 * A state directory whose `sandbox.json` names `api` (the sandbox under test), for the CLI's
 * `--state-dir`: `<sandbox dir>/state`.
 */
export async function cliStateDirFor(
  sandbox: Pick<Sandbox, "mqtt">,
  api: SandboxApi,
  dir: string,
): Promise<string> {
  const stateDir = join(dir, "state");
  await writeSandboxInfo(stateDir, {
    version: 1,
    pid: process.pid,
    apiUrl: api.url,
    token: api.token,
    mqtt: sandbox.mqtt,
    startedAt: new Date().toISOString(),
  });
  return stateDir;
}
