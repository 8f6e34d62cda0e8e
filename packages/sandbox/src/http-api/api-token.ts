import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The bearer token of one sandbox run: 256 random bits, base64url. A new one at each start, so
 * a token copied from an earlier `sandbox.json` stops working.
 */
export function createApiToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Compares in constant time. Both sides are hashed first: `timingSafeEqual` needs equal
 * lengths, and comparing digests leaks neither the token's length nor where a guess differs.
 */
export function isApiToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
