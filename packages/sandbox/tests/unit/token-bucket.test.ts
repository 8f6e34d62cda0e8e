import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/iot-core/token-bucket.ts";

describe("token bucket", () => {
  it("takes a full bucket at once, then refills at its rate", () => {
    const bucket = new TokenBucket({ capacity: 100, perSecond: 100, now: 0 });
    const taken = Array.from({ length: 101 }, () => bucket.take(0));
    expect(taken.filter(Boolean)).toHaveLength(100);
    expect(bucket.take(5)).toBe(false); // half a token
    expect(bucket.take(10)).toBe(true);
    expect(bucket.take(10)).toBe(false);
  });

  it("never holds more than its capacity after a long pause", () => {
    const bucket = new TokenBucket({ capacity: 1, perSecond: 1, now: 0 });
    expect(bucket.take(0)).toBe(true);
    expect(bucket.take(999)).toBe(false);
    expect(bucket.take(60_000)).toBe(true);
    expect(bucket.take(60_000)).toBe(false);
  });
});
