import { describe, expect, it } from "vitest";
import { ClaimThrottle } from "../../src/iot-core/claim-throttle.ts";

describe("ClaimThrottle", () => {
  it("lets each claim client burst, then holds it to the rate, without touching other clients", () => {
    const throttle = new ClaimThrottle({ burst: 3, perSecond: 1 });
    const takes = (clientId: string, now: number, count: number) =>
      Array.from({ length: count }, () => throttle.take(clientId, now));

    expect(takes("flood", 0, 5)).toEqual([true, true, true, false, false]);
    expect(takes("device", 0, 2)).toEqual([true, true]);
    expect(takes("flood", 1_000, 2)).toEqual([true, false]);
    // Idle long enough to refill, a client starts over with a full burst.
    expect(takes("flood", 10_000, 4)).toEqual([true, true, true, false]);
  });
});
