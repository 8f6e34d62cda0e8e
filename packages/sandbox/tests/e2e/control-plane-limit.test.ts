import { InvalidRateLimitError } from "@fleet/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../src/index.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

describe("control-plane rate limit of the rotation backend", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;

  beforeAll(async () => {
    env = await startTestSandbox("control-plane-limit", { controlPlaneCallsPerSecond: 4 });
  });
  afterAll(async () => {
    await env.stop();
  });

  it("starts rotations of several devices without more control-plane calls in a second than allowed", async () => {
    const things = await Promise.all(
      ["SN-LIMIT-1", "SN-LIMIT-2", "SN-LIMIT-3"].map(async (serial) => {
        const { device } = await env.enroll(serial);
        return device.thingName;
      }),
    );

    const started = await env.sandbox.startExpiringRotations(400 * 24 * 3600 * 1000);

    expect(started.map((rotation) => rotation.thingName).sort()).toEqual(things.sort());
    const calls = env.sandbox.controlPlaneCalls;
    expect(calls.total).toBeGreaterThan(things.length * 2);
    expect(calls.peakPerSecond).toBeLessThanOrEqual(4);
  });

  it("refuses a limit that is not a whole number of calls per second", async () => {
    await expect(
      startSandbox({ stateDir: `${env.dir}/refused`, controlPlaneCallsPerSecond: 0 }),
    ).rejects.toThrow(InvalidRateLimitError);
  });
});
