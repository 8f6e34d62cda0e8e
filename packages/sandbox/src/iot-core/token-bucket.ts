/**
 * A token bucket: holds at most `capacity` tokens and gains `perSecond` tokens a second; each
 * `take` spends one. O(1) time and two numbers of state, because the broker asks one on every
 * PUBLISH of every connection (the hot path `bench/broker-throughput.bench.ts` measures).
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  /** Starts full at `now` (milliseconds, any monotonic origin). */
  constructor(options: { capacity: number; perSecond: number; now: number }) {
    this.#capacity = options.capacity;
    this.#perMs = options.perSecond / 1000;
    this.#tokens = options.capacity;
    this.#updatedAt = options.now;
  }

  /** Spends a token and returns true, or returns false (nothing spent) when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = now - this.#updatedAt;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
      this.#updatedAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
