import type { Logger } from "pino";

export interface PeriodicTask {
  /** Runs the task now, or joins the run in progress; never rejects (failures are logged). */
  runNow(): Promise<void>;
  /** Stops the timer and resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, one run at a time: a tick that finds the previous run still
 * going is skipped, as a scheduled Lambda with reserved concurrency 1 would be throttled. The
 * timer does not keep the process alive.
 */
export function startPeriodicTask(
  name: string,
  intervalMs: number,
  task: () => Promise<void>,
  logger: Logger,
): PeriodicTask {
  let running: Promise<void> | undefined;
  const runNow = (): Promise<void> => {
    running ??= task()
      .catch((error: unknown) => logger.error({ task: name, err: error }, "periodic task failed"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
