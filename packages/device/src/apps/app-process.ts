import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "pino";
import { createBackoff } from "../connection/backoff.ts";
import type { AppLog } from "./app-log.ts";

/** How an app process ended. `code` is null when a signal ended it (or it never started). */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  error?: string;
}

/** One start of an app's process. */
export interface AppRun {
  readonly startedAt: number;
  readonly exited: Promise<AppExit>;
  running(): boolean;
  /** The last bytes the process wrote (stdout and stderr), for failure reasons. */
  outputTail(): string;
}

/** A started app kept running: restarted with backoff when it exits on its own. */
export interface SupervisedApp {
  readonly name: string;
  readonly version: string;
  /** The latest run (a restarted app has a new one). */
  run(): AppRun;
  /** SIGTERM to the app's process group, SIGKILL after `graceMs`; no more restarts. */
  stop(graceMs: number): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  version: string;
  /** The version directory: the start command's working directory. */
  cwd: string;
  command: string;
  env: Record<string, string | undefined>;
  log: AppLog;
  logger: Logger;
}

const OUTPUT_TAIL_BYTES = 512;
const RESTART_INITIAL_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 60_000;
/** A run that lasted this long counts as stable: the next crash restarts without delay growth. */
const STABLE_RUN_MS = 60_000;

export function describeExit(exit: AppExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error}`;
  return exit.signal ? `killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
}

export function superviseApp(options: SuperviseOptions): SupervisedApp {
  const { name, version, logger } = options;
  const backoff = createBackoff({
    initialDelayMs: RESTART_INITIAL_DELAY_MS,
    maxDelayMs: RESTART_MAX_DELAY_MS,
  });
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let child: ChildProcess;
  let current: AppRun;

  const launch = (): void => {
    let tail = Buffer.alloc(0);
    let alive = true;
    // Its own process group (detached) so stop() also reaches what the shell started.
    child = spawn("/bin/sh", ["-c", options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onOutput = (chunk: Buffer) => {
      options.log.write(chunk);
      tail = Buffer.concat([tail, chunk]).subarray(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", onOutput);
    const startedAt = Date.now();
    const exited = new Promise<AppExit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, error: error.message });
      });
    }).then((exit) => {
      alive = false;
      onExit(exit, startedAt);
      return exit;
    });
    current = {
      startedAt,
      exited,
      running: () => alive,
      outputTail: () => tail.toString("utf8"),
    };
    logger.info({ app: name, version, pid: child.pid }, "app started");
  };

  const onExit = (exit: AppExit, startedAt: number): void => {
    if (stopped) return;
    if (Date.now() - startedAt >= STABLE_RUN_MS) backoff.reset();
    const delayMs = backoff.next();
    logger.warn(
      { app: name, version, exit: describeExit(exit), restartInMs: delayMs },
      "app exited; restarting",
    );
    restartTimer = setTimeout(() => {
      if (!stopped) launch();
    }, delayMs);
  };

  launch();
  return {
    name,
    version,
    run: () => current,
    async stop(graceMs) {
      stopped = true;
      clearTimeout(restartTimer);
      const run = current;
      if (!run.running()) return;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      await run.exited;
      clearTimeout(timer);
      logger.info({ app: name, version }, "app stopped");
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
