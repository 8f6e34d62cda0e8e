/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): delay = random(0, min(maxDelayMs, initialDelayMs * 2^attempt)). Spreading each
 * retry over the whole window keeps a fleet that lost the broker at the same moment from
 * coming back in lock-step.
 *
 * Written here rather than taken from p-retry: p-retry owns the retry loop and its timer and
 * only offers a [1, 2) multiplier, while the reconnect loop is driven by connection events
 * and needs full jitter with an injected random source. The math is the one line below.
 */
export interface BackoffOptions {
  /** Cap of the first delay. */
  initialDelayMs: number;
  /** Largest cap the doubling reaches. */
  maxDelayMs: number;
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export interface Backoff {
  /** Delays handed out since the last reset. */
  readonly attempt: number;
  /** The delay before the next retry; each call doubles the cap until `maxDelayMs`. */
  next(): number;
  /** Back to the first step (after a connection stayed up). */
  reset(): void;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const { initialDelayMs, maxDelayMs } = options;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    get attempt() {
      return attempt;
    },
    next() {
      const cap = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
      attempt += 1;
      return Math.floor(random() * cap);
    },
    reset() {
      attempt = 0;
    },
  };
}
