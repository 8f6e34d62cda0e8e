import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { type AppRun, describeExit } from "./app-process.ts";

/** A health command that runs longer than this counts as failed. */
export const HEALTH_COMMAND_TIMEOUT_MS = 10_000;
/** Pause between attempts of a health command that has not passed yet. */
const HEALTH_RETRY_MS = 250;
const OUTPUT_TAIL_CHARS = 300;

export type HealthResult = { healthy: true } | { healthy: false; detail: string };

/**
 * Decides whether a freshly started app is healthy. With a `health` command: the command exits
 * 0 while the app runs, retried until `graceMs` after the start (a starting app may need a
 * moment). Without one: the process is still running `graceMs` after it started. A process
 * that exits meanwhile is unhealthy at once.
 */
export async function checkHealth(options: {
  run: AppRun;
  health: string | undefined;
  cwd: string;
  env: Record<string, string | undefined>;
  graceMs: number;
}): Promise<HealthResult> {
  const { run } = options;
  const deadline = run.startedAt + options.graceMs;
  const exitDetail = async (): Promise<HealthResult> => {
    const exit = await run.exited;
    return { healthy: false, detail: withTail(describeExit(exit), run.outputTail()) };
  };

  if (options.health === undefined) {
    const remaining = Math.max(0, deadline - Date.now());
    const outcome = await Promise.race([
      run.exited.then(() => "exited" as const),
      sleep(remaining).then(() => "grace" as const),
    ]);
    return outcome === "exited" || !run.running() ? exitDetail() : { healthy: true };
  }

  for (;;) {
    if (!run.running()) return exitDetail();
    const attempt = await runHealthCommand(options.health, options.cwd, options.env);
    if (!run.running()) return exitDetail();
    if (attempt.ok) return { healthy: true };
    if (Date.now() >= deadline) return { healthy: false, detail: attempt.detail };
    await sleep(Math.min(HEALTH_RETRY_MS, Math.max(0, deadline - Date.now())));
  }
}

async function runHealthCommand(
  command: string,
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<{ ok: true } | { ok: false; detail: string }> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn("/bin/sh", ["-c", command], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: HEALTH_COMMAND_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("error", (error) =>
      resolve({ ok: false, detail: `health command could not run: ${error.message}` }),
    );
    child.once("close", (code, signal) => {
      if (code === 0) return resolve({ ok: true });
      const how =
        signal === "SIGKILL"
          ? `health command timed out after ${HEALTH_COMMAND_TIMEOUT_MS} ms`
          : signal
            ? `health command killed by signal ${signal}`
            : `health command exited with code ${code}`;
      resolve({ ok: false, detail: withTail(how, output) });
    });
  });
}

function withTail(what: string, output: string): string {
  const tail = output.trim().slice(-OUTPUT_TAIL_CHARS).replace(/\s+/g, " ");
  return tail === "" ? what : `${what}: ${tail}`;
}
