// Waits for the bench process to settle before a measured round.

/**
 * Resolves once the whole process (every thread: the sandbox's telemetry thread, DuckDB, libuv)
 * used less than `maxShare` of one core over `windowMs`, so work left from one round (a
 * telemetry backlog) never runs during the next one, whichever target it measures.
 * Returns how long it waited.
 */
export async function untilQuiet(windowMs = 200, maxShare = 0.1): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < windowMs * maxShare) {
      return performance.now() - started;
    }
  }
}
