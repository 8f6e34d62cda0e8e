import { fileURLToPath } from "node:url";
import { SystemSectionSchema } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { createSystemSource } from "../../src/telemetry/sources/system.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/system/", import.meta.url));
const read = (board: string) => createSystemSource({ root: `${FIXTURES}${board}` }).read(0);

describe("system source", () => {
  it("reads a Raspberry Pi's health from /proc and /sys", async () => {
    const reading = await read("raspberry-pi");
    expect(SystemSectionSchema.parse(reading)).toEqual(reading);
    expect(reading).toMatchObject({
      cpuTemperatureC: 48.3,
      load1: 0.42,
      load5: 0.31,
      load15: 0.25,
      memory: { totalBytes: 3_888_568 * 1024, availableBytes: 3_046_876 * 1024 },
      uptimeSeconds: 86_400.52,
    });
    expect(reading.disk.totalBytes).toBeGreaterThan(0);
    expect(reading.disk.freeBytes).toBeLessThanOrEqual(reading.disk.totalBytes);
  });

  it("counts bytes per interface, leaving out loopback and names that would blur measures", async () => {
    expect((await read("raspberry-pi")).network).toEqual({
      eth0: { rxBytes: 1_234_567, txBytes: 765_432 },
      wlan0: { rxBytes: 0, txBytes: 0 },
    });
  });

  it("takes the CPU package zone over other thermal zones", async () => {
    expect((await read("x86-laptop")).cpuTemperatureC).toBe(55.3);
  });

  it("leaves the CPU temperature out where the board has no thermal zone", async () => {
    const reading = await read("x86-vm");
    expect(reading).not.toHaveProperty("cpuTemperatureC");
    expect(SystemSectionSchema.parse(reading)).toEqual(reading);
  });

  it("fails the reading when a /proc file is missing", async () => {
    await expect(read("no-such-board")).rejects.toThrow(/ENOENT/);
  });
});
