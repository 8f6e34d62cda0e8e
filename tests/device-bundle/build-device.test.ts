import {
  type ChildProcess,
  execFile as execFileCallback,
  execFileSync,
  fork,
} from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEVICE_ENVIRONMENT, DEVICE_NODE_FLAGS } from "@fleet/device";
import { type Sandbox, startSandbox } from "@fleet/sandbox";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BuiltDevice, buildDevice } from "../../scripts/build-device.ts";

const execFile = promisify(execFileCallback);

// The bundle is what a board runs (the OS image carries it): it must start, connect over
// mutual TLS with the device service's flags, and send telemetry, as the sources do in tests.
describe("the device client bundle (npm run build:device)", () => {
  let dir: string;
  let built: BuiltDevice;
  let sandbox: Sandbox | undefined;
  let device: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-bundle-"));
    built = await buildDevice(join(dir, "build"), "none");
  });
  afterAll(async () => {
    device?.kill("SIGTERM");
    if (device && device.exitCode === null) await new Promise((r) => device?.once("exit", r));
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the X.509 library as a chunk of its own, on first use", async () => {
    const chunks = await readdir(join(dir, "build/lib/chunks"));
    expect(chunks.some((name) => name.startsWith("x509-") && name.endsWith(".mjs"))).toBe(true);
  });

  it("prints its version", () => {
    const out = execFileSync(process.execPath, [...DEVICE_NODE_FLAGS, built.bundle, "--version"], {
      encoding: "utf8",
    });
    expect(out.trim()).toBe(built.version);
  });

  // Each of Node's modules loaded keeps its source and code resident on the board: none of
  // these is used, but a dependency's one-line probe or check used to load them at start.
  it("starts without Node's navigator, performance-timing or assert modules", async () => {
    const preload = join(dir, "print-loaded-modules.cjs");
    await writeFile(
      preload,
      'process.on("exit", () => process.stderr.write(process.moduleLoadList.join("\\n")));',
    );
    const { stderr } = await execFile(
      process.execPath,
      [...DEVICE_NODE_FLAGS, "--require", preload, built.bundle, "--version"],
      { encoding: "utf8" },
    );
    const loaded = stderr.split("\n");
    expect(loaded).toContain("NativeModule net");
    for (const module of ["internal/navigator", "perf_hooks", "assert"]) {
      expect(loaded).not.toContain(`NativeModule ${module}`);
    }
  });

  it("connects with the device service's flags and its telemetry arrives", async () => {
    sandbox = await startSandbox({ stateDir: join(dir, "sandbox") });
    const enrolled = await sandbox.enrollDevice("SN-BUNDLE-1", join(dir, "device"));
    const config = join(dir, "device.json");
    await writeFile(
      config,
      JSON.stringify({
        serial: "SN-BUNDLE-1",
        endpoint: { host: sandbox.mqtt.host, port: sandbox.mqtt.port },
        tls: { caFile: enrolled.caFile, certFile: enrolled.certFile, keyFile: enrolled.keyFile },
        stateDir: join(dir, "device", "state"),
        telemetry: { intervalSeconds: 1, sources: { system: {} } },
      }),
    );
    device = fork(built.bundle, ["--config", config, "--log-level", "warn"], {
      execArgv: [...DEVICE_NODE_FLAGS],
      env: { ...process.env, ...DEVICE_ENVIRONMENT },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const running = sandbox;
    await vi.waitFor(
      async () => {
        const samples = await running.queryTelemetry({
          thing: "SN-BUNDLE-1",
          since: new Date(Date.now() - 60_000),
        });
        expect(samples.some((sample) => sample.measure.startsWith("system."))).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
  }, 60_000);

  // write-file-atomic, a CommonJS chunk of the bundle, reads __filename: without it every
  // private-file write (keys, certificates, settings, job progress) threw in the bundle alone.
  it("writes its private files, mode 0600, as the sources do (the shadow's reported apps)", async () => {
    const file = join(dir, "device", "state", "shadow", "reported-apps.json");
    await vi.waitFor(async () => expect((await stat(file)).mode & 0o777).toBe(0o600), {
      timeout: 30_000,
      interval: 500,
    });
  }, 60_000);
});
