import { NoActiveCertificateError, type RotationRecord, type RotationStore } from "@fleet/core";
import type { DeviceView } from "@fleet/core/contracts";
import { describe, expect, it, vi } from "vitest";
import { StageRotations } from "../../src/targets/stage-rotations.ts";

const NOW = new Date("2026-11-21T12:00:00.000Z");
const DAY = 86_400_000;

const device = (
  serial: string,
  notAfter: string | null,
  state: DeviceView["state"] = "provisioned",
) =>
  ({
    serial,
    thingName: state === "pending" ? null : serial,
    state,
    connected: true,
    certificateId: notAfter ? "c".repeat(64) : null,
    notAfter,
    reason: null,
    apps: {},
  }) satisfies DeviceView;

function stageRotations(devices: DeviceView[]) {
  const startRotation = vi.fn(async (thingName: string) => {
    if (thingName === "10000000nocert") {
      throw new NoActiveCertificateError(`Thing ${thingName} has no ACTIVE certificate to rotate`, {
        thingName,
      });
    }
    return { thingName, rotationId: `rotation-of-${thingName}` } as RotationRecord;
  });
  const rotations = { list: vi.fn(async () => []) } as unknown as RotationStore;
  const service = new StageRotations({
    rotations,
    inventory: { listDevices: async () => devices },
    startRotation,
    clock: () => NOW,
  });
  return { service, startRotation };
}

describe("stage rotations", () => {
  it("starts a rotation for each provisioned device whose certificate ends within the window", async () => {
    const { service, startRotation } = stageRotations([
      device("10000000soon", "2026-11-30T00:00:00.000Z"),
      device("10000000late", "2027-06-01T00:00:00.000Z"),
      device("10000000expd", "2026-11-01T00:00:00.000Z"),
      device("10000000rvkd", "2026-11-25T00:00:00.000Z", "revoked"),
      device("10000000pend", null, "pending"),
    ]);
    const result = await service.startRotations({ expiringWithinMs: 30 * DAY });
    expect(startRotation.mock.calls.map(([thing]) => thing)).toEqual([
      "10000000soon",
      "10000000expd",
    ]);
    expect(result.failures).toEqual([]);
    expect(result.started.map((r) => r.thingName)).toEqual(["10000000soon", "10000000expd"]);
  });

  it("keeps going past a device that cannot rotate and reports it", async () => {
    const { service } = stageRotations([
      device("10000000nocert", "2026-11-22T00:00:00.000Z"),
      device("10000000soon", "2026-11-23T00:00:00.000Z"),
    ]);
    const result = await service.startRotations({ expiringWithinMs: DAY * 7 });
    expect(result.started.map((r) => r.thingName)).toEqual(["10000000soon"]);
    expect(result.failures).toEqual([
      {
        device: "10000000nocert",
        message: "Thing 10000000nocert has no ACTIVE certificate to rotate",
      },
    ]);
  });

  it("starts one named device without listing the fleet", async () => {
    const { service, startRotation } = stageRotations([]);
    const result = await service.startRotations({ device: "10000000a1b2c3d4" });
    expect(startRotation).toHaveBeenCalledWith("10000000a1b2c3d4");
    expect(result.started).toHaveLength(1);
  });
});
