import { TokenBucket } from "./token-bucket.ts";

/**
 * One token bucket per key (a client id): `capacity` requests at once, `perSecond` regained.
 * A bucket idle long enough to be full again is the same as a new one, so it is dropped: a
 * flood of keys costs memory only while it lasts.
 */
export class KeyedTokenBuckets {
  readonly #capacity: number;
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: { capacity: number; perSecond: number }) {
    this.#capacity = options.capacity;
    this.#perSecond = options.perSecond;
  }

  /** Spends one of the key's tokens; false when it has none left (throttled). */
  take(key: string, now: number): boolean {
    this.#prune(now);
    const entry = this.#buckets.get(key) ?? {
      bucket: new TokenBucket({ capacity: this.#capacity, perSecond: this.#perSecond, now }),
      lastUsed: now,
    };
    entry.lastUsed = now;
    this.#buckets.set(key, entry);
    return entry.bucket.take(now);
  }

  /** At most once a second, so a request costs O(1) however many keys there were. */
  #prune(now: number): void {
    if (now - this.#prunedAt < 1000) return;
    this.#prunedAt = now;
    const refillMs = (this.#capacity / this.#perSecond) * 1000;
    for (const [key, { lastUsed }] of this.#buckets) {
      if (now - lastUsed >= refillMs) this.#buckets.delete(key);
    }
  }
}
