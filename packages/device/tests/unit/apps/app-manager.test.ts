import { existsSync, readlinkSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AppManager,
  type AppUpdateReport,
  createAppManager,
} from "../../../src/apps/index.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import {
  type ArtifactServer,
  appUpdateStep,
  buildArtifact,
  EXITS_AT_ONCE,
  isAlive,
  RUNS_FOREVER,
  recordedPid,
  scratchDir,
  sha256,
  startArtifactServer,
} from "./app-fixtures.ts";

const HEALTH_GRACE_MS = 300;

let work: { dir: string; cleanup: () => Promise<void> };
let server: ArtifactServer;
let appsDir: string;
const managers: AppManager[] = [];

function manager(logger = createCaptureLogger().logger): AppManager {
  const created = createAppManager({
    appsDir,
    healthGraceMs: HEALTH_GRACE_MS,
    stopGraceMs: 1_000,
    logger,
  });
  managers.push(created);
  return created;
}

function recorder(): {
  report: AppUpdateReport;
  phases: string[];
  details: Record<string, string>[];
} {
  const phases: string[] = [];
  const details: Record<string, string>[] = [];
  return {
    phases,
    details,
    report: async (phase, detail) => {
      phases.push(phase);
      if (detail) details.push(detail);
    },
  };
}

/** Builds, serves and returns the update step of one app version. */
async function release(
  app: string,
  version: string,
  manifest: Record<string, unknown> = {},
  files?: Record<string, string>,
) {
  const bytes = await buildArtifact(
    work.dir,
    { name: app, version, start: RUNS_FOREVER, ...manifest },
    files,
  );
  const url = server.serve(`${app}-${version}.tar.gz`, bytes);
  return { step: appUpdateStep(url, bytes, app, version), bytes };
}

const currentOf = (app: string) => readlinkSync(join(appsDir, app, "current"));

beforeEach(async () => {
  work = await scratchDir();
  appsDir = join(work.dir, "apps");
  server = await startArtifactServer();
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stopAll()));
  await server.close();
  await work.cleanup();
});

describe("app manager", () => {
  it("installs an app, points current at it and runs it with its data dir", async () => {
    const apps = manager();
    let changes = 0;
    apps.on("changed", () => {
      changes += 1;
    });
    const { step, bytes } = await release("led", "1.0.0");
    const { report, phases, details } = recorder();

    const outcome = await apps.update(step, report);

    expect(outcome).toEqual({ ok: true, app: "led", version: "1.0.0", previous: null });
    expect(phases).toEqual(["download", "download", "verify", "install", "start", "health-check"]);
    expect(details).toEqual([{ bytes: `${bytes.length}/${bytes.length}` }]);
    expect(currentOf("led")).toBe("1.0.0");
    expect(apps.installed()).toEqual({ led: "1.0.0" });
    expect(changes).toBeGreaterThan(0);
    expect(isAlive(await recordedPid(appsDir, "led", "1.0.0"))).toBe(true);
    expect((await stat(join(appsDir, "led", "data"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(appsDir, ".downloads"))).toEqual([]);
  });

  it("switches to a new version, stops the old process and keeps one previous version", async () => {
    const apps = manager();
    for (const version of ["1.0.0", "1.1.0"]) {
      const { step } = await release("led", version);
      expect((await apps.update(step, recorder().report)).ok).toBe(true);
    }
    const oldPid = await recordedPid(appsDir, "led", "1.1.0");
    const { step } = await release("led", "1.2.0");

    const outcome = await apps.update(step, recorder().report);

    expect(outcome).toEqual({ ok: true, app: "led", version: "1.2.0", previous: "1.1.0" });
    expect(currentOf("led")).toBe("1.2.0");
    expect(isAlive(oldPid)).toBe(false);
    expect(isAlive(await recordedPid(appsDir, "led", "1.2.0"))).toBe(true);
    const versions = (await readdir(join(appsDir, "led"))).filter((e) => /^\d/.test(e)).sort();
    expect(versions).toEqual(["1.1.0", "1.2.0"]);
  });

  it("returns ok at once for the version already current and running", async () => {
    const apps = manager();
    const { step } = await release("led", "1.0.0");
    await apps.update(step, recorder().report);
    const pid = await recordedPid(appsDir, "led", "1.0.0");
    const requestsBefore = server.requests.length;
    const { report, phases } = recorder();

    const outcome = await apps.update(step, report);

    expect(outcome).toEqual({ ok: true, app: "led", version: "1.0.0", previous: null });
    expect(phases).toEqual(["health-check"]);
    expect(server.requests.length).toBe(requestsBefore);
    expect(isAlive(pid)).toBe(true);
  });

  it("never installs an artifact whose SHA-256 does not match, leaving the current app running", async () => {
    const apps = manager();
    const { step: good } = await release("led", "1.0.0");
    await apps.update(good, recorder().report);
    const pid = await recordedPid(appsDir, "led", "1.0.0");
    const { step } = await release("led", "2.0.0");
    const wrong = "0".repeat(64);

    const outcome = await apps.update({ ...step, sha256: wrong }, recorder().report);

    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        new RegExp(`^sha256 mismatch: expected ${wrong}, got [0-9a-f]{64}$`),
      ),
    });
    expect(existsSync(join(appsDir, "led", "2.0.0"))).toBe(false);
    expect(await readdir(join(appsDir, ".downloads"))).toEqual([]);
    expect(currentOf("led")).toBe("1.0.0");
    expect(isAlive(pid)).toBe(true);
  });

  it("resumes a partial download with a Range request from where the part file ends", async () => {
    const apps = manager();
    const { step, bytes } = await release("led", "1.0.0", {}, { "blob.bin": "x".repeat(50_000) });
    const partial = Math.floor(bytes.length / 2);
    await mkdir(join(appsDir, ".downloads"), { recursive: true });
    await writeFile(join(appsDir, ".downloads", `${step.sha256}.part`), bytes.subarray(0, partial));
    const { report, details } = recorder();

    const outcome = await apps.update(step, report);

    expect(outcome.ok).toBe(true);
    expect(server.requests.at(-1)?.range).toBe(`bytes=${partial}-`);
    expect(details.at(-1)).toEqual({ bytes: `${bytes.length}/${bytes.length}` });
  });

  it("starts over when the server answers a Range request with the whole artifact", async () => {
    const apps = manager();
    server.honourRange = false;
    const { step, bytes } = await release("led", "1.0.0");
    await mkdir(join(appsDir, ".downloads"), { recursive: true });
    await writeFile(join(appsDir, ".downloads", `${step.sha256}.part`), bytes.subarray(0, 10));

    const outcome = await apps.update(step, recorder().report);

    expect(outcome.ok).toBe(true);
    expect(server.requests.at(-1)?.range).toBe("bytes=10-");
  });

  it("refuses an artifact larger than the size the job announces", async () => {
    const apps = manager();
    const { step } = await release("led", "1.0.0");

    const outcome = await apps.update({ ...step, size: step.size - 1 }, recorder().report);

    expect(outcome).toEqual({
      ok: false,
      reason: `download failed: artifact is larger than the announced ${step.size - 1} bytes`,
    });
    expect(apps.installed()).toEqual({});
  });

  it("rolls back to the previous version when the health command fails", async () => {
    const apps = manager();
    const { step: good } = await release("led", "1.0.0");
    await apps.update(good, recorder().report);
    const { step } = await release("led", "2.0.0", { health: "echo not ready; exit 1" });
    const { report, phases } = recorder();

    const outcome = await apps.update(step, report);

    expect(outcome).toEqual({
      ok: false,
      reason:
        "health check failed: health command exited with code 1: not ready; rolled back to 1.0.0",
    });
    expect(phases.at(-1)).toBe("rollback");
    expect(currentOf("led")).toBe("1.0.0");
    expect(existsSync(join(appsDir, "led", "2.0.0"))).toBe(false);
    expect(isAlive(await recordedPid(appsDir, "led", "2.0.0"))).toBe(false);
    // 1.0.0 was started again after the rollback (a new pid file replaces the old one).
    await expect.poll(async () => isAlive(await recordedPid(appsDir, "led", "1.0.0"))).toBe(true);
    expect(apps.installed()).toEqual({ led: "1.0.0" });
  });

  it("accepts a version whose health command passes", async () => {
    const apps = manager();
    const { step } = await release("led", "1.0.0", { health: "test -f app.json" });

    expect((await apps.update(step, recorder().report)).ok).toBe(true);
  });

  it("rolls back when the new version exits at once and has no health command", async () => {
    const apps = manager();
    const { step: good } = await release("led", "1.0.0");
    await apps.update(good, recorder().report);
    const { step } = await release("led", "2.0.0", { start: EXITS_AT_ONCE });

    const outcome = await apps.update(step, recorder().report);

    expect(outcome).toEqual({
      ok: false,
      reason: "health check failed: exited with code 3: boom; rolled back to 1.0.0",
    });
    expect(currentOf("led")).toBe("1.0.0");
    await expect.poll(async () => isAlive(await recordedPid(appsDir, "led", "1.0.0"))).toBe(true);
    expect(await readFile(join(appsDir, "led", "app.log"), "utf8")).toContain("boom");
  });

  it("restarts an app that crashes after it was installed, and logs it", async () => {
    const capture = createCaptureLogger();
    const apps = manager(capture.logger);
    const { step } = await release("led", "1.0.0");
    await apps.update(step, recorder().report);
    const crashed = await recordedPid(appsDir, "led", "1.0.0");

    process.kill(crashed, "SIGKILL");

    await expect
      .poll(async () => (await recordedPid(appsDir, "led", "1.0.0")) !== crashed, {
        timeout: 5_000,
      })
      .toBe(true);
    expect(isAlive(await recordedPid(appsDir, "led", "1.0.0"))).toBe(true);
    expect(capture.lines()).toContainEqual(
      expect.objectContaining({
        msg: "app exited; restarting",
        app: "led",
        exit: "killed by signal SIGKILL",
      }),
    );
  });

  it("leaves nothing installed or running when a first install is unhealthy", async () => {
    const apps = manager();
    const { step } = await release("corrupt", "1.0.0", { health: "exit 1" });

    const outcome = await apps.update(step, recorder().report);

    expect(outcome).toEqual({
      ok: false,
      reason:
        "health check failed: health command exited with code 1; no previous version to roll back to: removed 1.0.0, nothing running",
    });
    expect(apps.installed()).toEqual({});
    expect(existsSync(join(appsDir, "corrupt", "current"))).toBe(false);
    expect(existsSync(join(appsDir, "corrupt", "1.0.0"))).toBe(false);
    expect(isAlive(await recordedPid(appsDir, "corrupt", "1.0.0"))).toBe(false);
  });

  it("refuses an artifact with an entry that escapes the app directory", async () => {
    const apps = manager();
    const { step } = await release("led", "1.0.0", {}, { "../escape.txt": "pwned" });

    const outcome = await apps.update(step, recorder().report);

    expect(outcome).toEqual({
      ok: false,
      reason: 'unsafe artifact entry "../escape.txt": path is absolute or leaves the app directory',
    });
    expect(apps.installed()).toEqual({});
    expect(existsSync(join(appsDir, "led", "escape.txt"))).toBe(false);
    expect(existsSync(join(appsDir, "escape.txt"))).toBe(false);
  });

  it("refuses an artifact with a symbolic link pointing outside the app directory", async () => {
    const apps = manager();
    const bytes = await buildArtifact(
      work.dir,
      { name: "led", version: "1.0.0", start: RUNS_FOREVER },
      {},
      { config: "../../../etc" },
    );
    const url = server.serve("led.tar.gz", bytes);

    const outcome = await apps.update(appUpdateStep(url, bytes, "led", "1.0.0"), recorder().report);

    expect(outcome).toEqual({
      ok: false,
      reason:
        'unsafe artifact entry "config": symbolic link to "../../../etc" leaves the app directory',
    });
    expect(existsSync(join(appsDir, "led", "1.0.0"))).toBe(false);
  });

  it("refuses an artifact whose app.json names another version", async () => {
    const apps = manager();
    const bytes = await buildArtifact(work.dir, {
      name: "led",
      version: "9.9.9",
      start: RUNS_FOREVER,
    });
    const url = server.serve("led.tar.gz", bytes);
    const { step } = await release("led", "1.0.0");

    const outcome = await apps.update(
      {
        ...step,
        url,
        sha256: sha256(bytes),
        size: bytes.length,
      },
      recorder().report,
    );

    expect(outcome).toEqual({
      ok: false,
      reason: "app.json names led@9.9.9, but the job installs led@1.0.0",
    });
    expect(apps.installed()).toEqual({});
  });

  it("starts the current version of every installed app on device start", async () => {
    const first = manager();
    for (const [app, version] of [
      ["led", "1.0.0"],
      ["button", "2.1.0"],
    ] as const) {
      const { step } = await release(app, version);
      await first.update(step, recorder().report);
    }
    await first.stopAll();
    const stopped = await recordedPid(appsDir, "led", "1.0.0");
    expect(isAlive(stopped)).toBe(false);

    const second = manager();
    await second.startAll();

    await expect
      .poll(async () => (await recordedPid(appsDir, "led", "1.0.0")) !== stopped)
      .toBe(true);
    expect(isAlive(await recordedPid(appsDir, "led", "1.0.0"))).toBe(true);
    expect(isAlive(await recordedPid(appsDir, "button", "2.1.0"))).toBe(true);
    expect(second.installed()).toEqual({ led: "1.0.0", button: "2.1.0" });
  });
});
