import { TokenBucket } from "./token-bucket.ts";

/** Fleet provisioning requests one claim client may make: a burst, then a steady rate. */
export interface ClaimRequestQuota {
  /** Requests a client may make at once. */
  burst: number;
  /** Requests a second it regains. */
  perSecond: number;
}

/**
 * Default: a device needs two requests (CreateCertificateFromCsr, RegisterThing) per attempt
 * and retries after a backoff, so ten at once and one a second never slow it down; a client
 * flooding CreateCertificateFromCsr (each one a CA signature and a registry write) is held to
 * one certificate a second. AWS publishes no per-client figure for this API.
 */
export const DEFAULT_CLAIM_REQUEST_QUOTA: ClaimRequestQuota = { burst: 10, perSecond: 1 };

/**
 * One token bucket per claim client id. A bucket idle long enough to be full again is the same
 * as a new one, so it is dropped: a flood of client ids costs memory only while it lasts.
 */
export class ClaimThrottle {
  readonly #quota: ClaimRequestQuota;
  readonly #buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(quota: ClaimRequestQuota) {
    this.#quota = quota;
  }

  /** Spends one of the client's requests; false when it has none left (throttled). */
  take(clientId: string, now: number): boolean {
    this.#prune(now);
    const entry = this.#buckets.get(clientId) ?? {
      bucket: new TokenBucket({
        capacity: this.#quota.burst,
        perSecond: this.#quota.perSecond,
        now,
      }),
      lastUsed: now,
    };
    entry.lastUsed = now;
    this.#buckets.set(clientId, entry);
    return entry.bucket.take(now);
  }

  /** At most once a second, so a request costs O(1) however many clients there were. */
  #prune(now: number): void {
    if (now - this.#prunedAt < 1000) return;
    this.#prunedAt = now;
    const refillMs = (this.#quota.burst / this.#quota.perSecond) * 1000;
    for (const [clientId, { lastUsed }] of this.#buckets) {
      if (now - lastUsed >= refillMs) this.#buckets.delete(clientId);
    }
  }
}
