import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CallRateMeter,
  createControlPlaneLimiter,
  rateLimited,
} from "../../src/rate-limit/index.ts";
import { InvalidRateLimitError } from "../../src/rate-limit/rate-limit-errors.ts";

/** The most start times within any half-open one-second window (t - 1 s, t]. */
function mostWithinOneSecond(times: number[]): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u > t - 1000 && u <= t).length));
}

describe("control-plane limiter", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("never starts more than the limit of calls within any second, in the order they were made", async () => {
    const meter = new CallRateMeter();
    const limiter = createControlPlaneLimiter({ callsPerSecond: 10, meter });
    const started: { index: number; at: number }[] = [];
    const results = Promise.all(
      Array.from({ length: 35 }, (_, index) =>
        limiter.schedule(async () => {
          started.push({ index, at: Date.now() });
          return index * 2;
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(5000);

    expect(await results).toEqual(Array.from({ length: 35 }, (_, index) => index * 2));
    expect(started.map((call) => call.index)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(mostWithinOneSecond(started.map((call) => call.at))).toBe(10);
    expect(meter.snapshot()).toEqual({ total: 35, peakPerSecond: 10 });
  });

  it("passes a failing call's error to its caller and keeps serving the others", async () => {
    const limiter = createControlPlaneLimiter({ callsPerSecond: 1 });
    const failing = limiter.schedule(() => Promise.reject(new Error("throttled by AWS")));
    const next = limiter.schedule(async () => "ok");
    const failure = expect(failing).rejects.toThrow("throttled by AWS");
    await vi.advanceTimersByTimeAsync(1100);

    await failure;
    expect(await next).toBe("ok");
  });

  it.each([0, -1, 2.5, Number.NaN])("refuses a limit of %s calls per second", (callsPerSecond) => {
    expect(() => createControlPlaneLimiter({ callsPerSecond })).toThrow(InvalidRateLimitError);
  });

  it("routes a port's async methods through the limiter, keeping the port's own state", async () => {
    class Registry {
      #certificates = new Map<string, string>([["cert-1", "thing-1"]]);
      readonly name = "registry";
      async thingOfCertificate(certificateId: string): Promise<string | null> {
        return this.#certificates.get(certificateId) ?? null;
      }
      async *listDevices(): AsyncIterable<string> {
        yield* this.#certificates.values();
      }
    }
    const meter = new CallRateMeter();
    const registry = rateLimited(
      new Registry(),
      createControlPlaneLimiter({ callsPerSecond: 2, meter }),
    );

    const lookups = Promise.all(
      ["cert-1", "cert-2", "cert-1"].map((id) => registry.thingOfCertificate(id)),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(meter.total).toBe(2);
    await vi.advanceTimersByTimeAsync(1100);

    expect(await lookups).toEqual(["thing-1", null, "thing-1"]);
    expect(meter.snapshot()).toEqual({ total: 3, peakPerSecond: 2 });
    expect(registry.name).toBe("registry");
    const devices: string[] = [];
    for await (const device of registry.listDevices()) devices.push(device);
    expect(devices).toEqual(["thing-1"]);
  });
});

describe("call rate meter", () => {
  it("reports the most calls that started within any one second, across clock seconds", () => {
    let now = 10_500;
    const meter = new CallRateMeter({ now: () => now });
    for (const at of [10_500, 10_900, 11_100, 11_400, 11_500, 13_000]) {
      now = at;
      meter.record();
    }
    // 10.5 to 11.4 s: four calls within one second; 11.5 s no longer counts 10.5 s with it.
    expect(meter.snapshot()).toEqual({ total: 6, peakPerSecond: 4 });
  });
});
