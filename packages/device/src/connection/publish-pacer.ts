import type { Clock } from "../clock.ts";

/**
 * Keeps publishes under `perSecond`: up to `burst` may go at once, the rest follow evenly
 * spaced 1 / perSecond apart (the generic cell rate algorithm, by reservation: each `reserve()`
 * books the next free instant). Any one-second window therefore sees at most
 * `burst + perSecond` publishes: AWS IoT Core allows 100 "publish requests per second per
 * connection" and does not say over which window it counts them.
 */
export interface PublishPacer {
  /**
   * Books the next free instant, in call order, and returns how many ms from now it is (0: at
   * once, so a device that is keeping up publishes without waiting on a timer).
   */
  reserve(): number;
}

export function createPublishPacer(options: {
  perSecond: number;
  burst: number;
  clock: Clock;
}): PublishPacer {
  const intervalMs = 1000 / options.perSecond;
  const toleranceMs = (options.burst - 1) * intervalMs;
  // The instant the next publish would be due if every earlier one had been evenly spaced.
  let dueAt = Number.NEGATIVE_INFINITY;
  return {
    reserve() {
      const now = options.clock.now();
      dueAt = Math.max(dueAt, now);
      const at = Math.max(now, dueAt - toleranceMs);
      dueAt += intervalMs;
      return at - now;
    },
  };
}
