import { existsSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import {
  type AppManifest,
  type AppUpdateStep,
  DEFAULT_HEALTH_GRACE_MS,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import { errorText } from "../error-text.ts";
import { AppUpdateError } from "./app-errors.ts";
import { CURRENT_LINK, createAppLayout, isReservedVersion, PREVIOUS_LINK } from "./app-layout.ts";
import { type AppLog, createAppLog } from "./app-log.ts";
import { type SupervisedApp, superviseApp } from "./app-process.ts";
import {
  DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS,
  downloadArtifact,
  verifyArtifact,
} from "./download-artifact.ts";
import { checkHealth } from "./health-check.ts";
import { readManifest, unpackArtifact } from "./unpack-artifact.ts";

export type AppUpdatePhase =
  | "download"
  | "verify"
  | "install"
  | "start"
  | "health-check"
  | "rollback";

/** Progress sink of one update; the jobs agent turns each call into status details. */
export type AppUpdateReport = (
  phase: AppUpdatePhase,
  detail?: Record<string, string>,
) => Promise<void>;

export type AppUpdateOutcome =
  | { ok: true; app: string; version: string; previous: string | null }
  | { ok: false; reason: string };

export interface AppManager {
  /** Starts the `current` version of every installed app (device start). */
  startAll(): Promise<void>;
  /** Stops every app: SIGTERM, then SIGKILL after a grace (device stop or reboot). */
  stopAll(): Promise<void>;
  /** App name -> the version `current` points at (the one running). */
  installed(): Record<string, string>;
  /**
   * Installs `step` and makes it the running version, rolling back when it is unhealthy.
   * Safe to call again after a crash: a partial download resumes, and a version that is
   * already current is only health-checked.
   */
  update(step: AppUpdateStep, report: AppUpdateReport): Promise<AppUpdateOutcome>;
  /** The installed apps map changed (for the shadow reporter). */
  on(event: "changed", listener: () => void): void;
}

/** Options of `createAppManager`. */
export interface AppManagerOptions {
  /** Root of the app layout (see `app-layout.ts`), e.g. `<stateDir>/apps`. */
  appsDir: string;
  /** Extra environment for every app (e.g. FLEET_BUS_SOCKET, FLEET_GPIO_*). */
  env?: Record<string, string>;
  /** How long an app without a `health` command must stay up. Default DEFAULT_HEALTH_GRACE_MS. */
  healthGraceMs?: number;
  /** A download receiving nothing for this long fails. Default 60 s. */
  downloadTimeoutMs?: number;
  /** How long a stopped app gets between SIGTERM and SIGKILL. Default 5 s. */
  stopGraceMs?: number;
  logger: Logger;
}

const DEFAULT_STOP_GRACE_MS = 5_000;

export function createAppManager(options: AppManagerOptions): AppManager {
  const layout = createAppLayout(options.appsDir);
  const healthGraceMs = options.healthGraceMs ?? DEFAULT_HEALTH_GRACE_MS;
  const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const logger = options.logger.child({ component: "apps" });
  const running = new Map<string, { app: SupervisedApp; manifest: AppManifest }>();
  const logs = new Map<string, AppLog>();
  const listeners = new Set<() => void>();
  let accepting = true;
  let updates: Promise<unknown> = Promise.resolve();

  const changed = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        logger.warn({ err: errorText(error) }, "apps changed listener failed");
      }
    }
  };

  const appEnv = (name: string, version: string) => ({
    ...process.env,
    ...options.env,
    FLEET_APP_NAME: name,
    FLEET_APP_VERSION: version,
    FLEET_APP_DATA_DIR: layout.dataDir(name),
  });

  const start = async (name: string, version: string) => {
    if (!accepting) throw new AppUpdateError("the device is stopping", { app: name, version });
    const cwd = layout.versionDir(name, version);
    const manifest = await readManifest(cwd);
    await mkdir(layout.dataDir(name), { recursive: true, mode: 0o700 });
    await chmod(layout.dataDir(name), 0o700);
    let log = logs.get(name);
    if (!log) {
      log = createAppLog(layout.logFile(name));
      logs.set(name, log);
    }
    const app = superviseApp({
      name,
      version,
      cwd,
      command: manifest.start,
      env: appEnv(name, version),
      log,
      logger,
    });
    running.set(name, { app, manifest });
    return { app, manifest };
  };

  const stop = async (name: string) => {
    const entry = running.get(name);
    if (!entry) return;
    running.delete(name);
    await entry.app.stop(stopGraceMs);
  };

  const health = (name: string, version: string, app: SupervisedApp, manifest: AppManifest) =>
    checkHealth({
      run: app.run(),
      health: manifest.health,
      cwd: layout.versionDir(name, version),
      env: appEnv(name, version),
      graceMs: healthGraceMs,
    });

  /** Back to `previous` (or to nothing on a first install); returns the failure reason. */
  const rollback = async (
    step: AppUpdateStep,
    previous: string | null,
    detail: string,
    report: AppUpdateReport,
  ): Promise<string> => {
    const name = step.app;
    const usable =
      previous !== null &&
      previous !== step.version &&
      existsSync(layout.versionDir(name, previous));
    await report("rollback", { to: usable ? previous : "none" });
    logger.warn(
      { app: name, version: step.version, previous, detail },
      "app unhealthy; rolling back",
    );
    await stop(name);
    if (usable) {
      await layout.pointLink(name, CURRENT_LINK, previous);
      await layout.removeLink(name, PREVIOUS_LINK);
    } else {
      await layout.removeLink(name, CURRENT_LINK);
      await layout.removeLink(name, PREVIOUS_LINK);
    }
    await rm(layout.versionDir(name, step.version), { recursive: true, force: true });
    changed();
    if (!usable) {
      return `health check failed: ${detail}; no previous version to roll back to: removed ${step.version}, nothing running`;
    }
    try {
      await start(name, previous);
    } catch (error) {
      logger.error(
        { app: name, version: previous, err: errorText(error) },
        "cannot restart previous version",
      );
    }
    return `health check failed: ${detail}; rolled back to ${previous}`;
  };

  const runUpdate = async (
    step: AppUpdateStep,
    report: AppUpdateReport,
  ): Promise<AppUpdateOutcome> => {
    const name = step.app;
    const version = step.version;
    if (isReservedVersion(version)) {
      return {
        ok: false,
        reason: `app version ${JSON.stringify(version)} is reserved by the device's app layout`,
      };
    }
    const current = await layout.linkTarget(name, CURRENT_LINK);
    const versionDir = layout.versionDir(name, version);

    // 1. Already current (a redelivered job, or a restart during the health check): check only.
    if (current === version && existsSync(versionDir)) {
      const previous = await layout.linkTarget(name, PREVIOUS_LINK);
      let entry = running.get(name);
      if (!entry || entry.app.version !== version || !entry.app.run().running()) {
        await report("start");
        await stop(name);
        entry = await start(name, version);
      }
      await report("health-check");
      const result = await health(name, version, entry.app, entry.manifest);
      if (result.healthy) return { ok: true, app: name, version, previous };
      return { ok: false, reason: await rollback(step, previous, result.detail, report) };
    }

    // 2. Download (resuming a part file) and 3. verify before anything is unpacked.
    const partFile = layout.partFile(step.sha256.toLowerCase());
    await report("download");
    await downloadArtifact({
      step,
      partFile,
      idleTimeoutMs: options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS,
      onProgress: (received, total) => report("download", { bytes: `${received}/${total}` }),
    });
    await report("verify");
    await verifyArtifact(step, partFile);

    // 4. Unpack into a versioned directory.
    await report("install");
    await mkdir(layout.appDir(name), { recursive: true, mode: 0o700 });
    const manifest = await unpackArtifact({
      step,
      tarball: partFile,
      stagingDir: layout.stagingDir(name, version),
      versionDir,
    });
    await rm(partFile, { force: true });

    // 5. Switch `current` atomically, remembering what to roll back to.
    const previous =
      current !== null && existsSync(layout.versionDir(name, current)) ? current : null;
    if (previous) await layout.pointLink(name, PREVIOUS_LINK, previous);
    else await layout.removeLink(name, PREVIOUS_LINK);
    await layout.pointLink(name, CURRENT_LINK, version);
    changed();
    logger.info({ app: name, version, previous }, "app installed");

    // 6. Restart on the new version and 7. health-check it.
    await report("start");
    await stop(name);
    const { app } = await start(name, version);
    await report("health-check");
    const result = await health(name, version, app, manifest);
    if (!result.healthy)
      return { ok: false, reason: await rollback(step, previous, result.detail, report) };

    const pruned = await layout.prune(name, previous ? [version, previous] : [version]);
    if (pruned.length > 0) logger.info({ app: name, pruned }, "old app versions removed");
    return { ok: true, app: name, version, previous };
  };

  return {
    async startAll() {
      accepting = true;
      for (const [name, version] of Object.entries(layout.currentVersions())) {
        if (running.get(name)?.app.version === version) continue;
        try {
          await stop(name);
          await start(name, version);
        } catch (error) {
          logger.error({ app: name, version, err: errorText(error) }, "cannot start app");
        }
      }
    },
    async stopAll() {
      accepting = false;
      await Promise.all([...running.keys()].map((name) => stop(name)));
      for (const log of logs.values()) log.close();
      logs.clear();
    },
    installed: () => layout.currentVersions(),
    update(step, report) {
      // Progress is best effort: a lost report must not leave an install half switched.
      const safeReport: AppUpdateReport = (phase, detail) =>
        report(phase, detail).catch((error: unknown) => {
          logger.warn(
            { app: step.app, phase, err: errorText(error) },
            "cannot report update progress",
          );
        });
      // One update at a time: two would race on the same links and processes.
      const outcome = updates.then(() =>
        runUpdate(step, safeReport).catch((error: unknown): AppUpdateOutcome => {
          if (error instanceof AppUpdateError) return { ok: false, reason: error.message };
          logger.error(
            { app: step.app, version: step.version, err: errorText(error) },
            "app update failed",
          );
          return { ok: false, reason: `app update failed: ${errorText(error)}` };
        }),
      );
      updates = outcome;
      return outcome;
    },
    on(_event, listener) {
      listeners.add(listener);
    },
  };
}
