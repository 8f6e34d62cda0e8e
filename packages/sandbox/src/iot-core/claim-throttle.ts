import { KeyedTokenBuckets } from "./keyed-token-buckets.ts";

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

/** One token bucket per claim client id, sized by a `ClaimRequestQuota`. */
export class ClaimThrottle extends KeyedTokenBuckets {
  constructor(quota: ClaimRequestQuota) {
    super({ capacity: quota.burst, perSecond: quota.perSecond });
  }
}
