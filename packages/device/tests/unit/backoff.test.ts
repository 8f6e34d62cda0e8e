import { describe, expect, it } from "vitest";
import { createBackoff } from "../../src/connection/backoff.ts";

const JUST_BELOW_ONE = 1 - Number.EPSILON;

describe("reconnect backoff (exponential, full jitter)", () => {
  it("doubles the window each retry until it reaches maxDelayMs", () => {
    const backoff = createBackoff({
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => JUST_BELOW_ONE,
    });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it("can pick zero, so a retry may come at once", () => {
    const backoff = createBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 0, 0]);
  });

  it("spreads delays uniformly over the whole window", () => {
    // Evenly spaced random values stand in for a fleet of devices retrying at once.
    const samples = 1_000;
    const delays = Array.from({ length: samples }, (_, k) => {
      const backoff = createBackoff({
        initialDelayMs: 1_000,
        maxDelayMs: 60_000,
        random: () => k / samples,
      });
      backoff.next();
      return backoff.next(); // second retry: window [0, 2000)
    });
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBe(1_998);
    const perQuarter = [0, 1, 2, 3].map(
      (q) => delays.filter((d) => d >= q * 500 && d < (q + 1) * 500).length,
    );
    expect(perQuarter).toEqual([250, 250, 250, 250]);
  });

  it("starts again from the first window after reset", () => {
    const backoff = createBackoff({
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      random: () => JUST_BELOW_ONE,
    });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(99);
  });

  it("keeps the cap at maxDelayMs however many retries fail", () => {
    const backoff = createBackoff({
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      random: () => JUST_BELOW_ONE,
    });
    for (let n = 0; n < 2_000; n++) backoff.next();
    expect(backoff.next()).toBe(59_999);
  });
});
