import { describe, expect, it } from "vitest";
import { createResetDevice } from "../../src/use-cases/index.ts";
import { InMemoryCertificateRevoker, InMemoryDeviceRegistry } from "./fakes/index.ts";

function setup() {
  const registry = new InMemoryDeviceRegistry();
  const revoker = new InMemoryCertificateRevoker();
  const [device] = registry.seed({
    thingName: "device-0001",
    serial: "device-0001",
    certificates: [{ status: "REVOKED" }, { status: "ACTIVE" }, { status: "INACTIVE" }],
  });
  const [revokedBefore, active, inactive] = device?.certificates ?? [];
  for (const certificate of device?.certificates ?? [])
    revoker.issued.add(certificate.certificatePem);
  return {
    registry,
    revoker,
    revokedBefore,
    active,
    inactive,
    reset: createResetDevice({ registry, revoker }),
  };
}

describe("resetting a device", () => {
  it("revokes every certificate of its thing in the registry and at the CA, keeping the thing", async () => {
    const { registry, revoker, revokedBefore, active, inactive, reset } = setup();

    const done = await reset("device-0001");

    expect(done).toEqual({
      serial: "device-0001",
      thingName: "device-0001",
      revoked: [active?.certificateId, inactive?.certificateId],
    });
    expect(registry.certificate(active?.certificateId ?? "")?.status).toBe("REVOKED");
    expect(registry.certificate(inactive?.certificateId ?? "")?.status).toBe("REVOKED");
    expect(revoker.revoked).toEqual(new Set([active?.certificatePem, inactive?.certificatePem]));
    expect(revoker.revoked.has(revokedBefore?.certificatePem ?? "")).toBe(false);
    expect(registry.thingExists("device-0001")).toBe(true);
  });

  it("does nothing more when run again", async () => {
    const { reset } = setup();
    await reset("device-0001");
    expect((await reset("device-0001")).revoked).toEqual([]);
  });

  it("leaves the certificate un-REVOKED when the CA fails, so that a rerun does both", async () => {
    const { registry, revoker, active, reset } = setup();
    revoker.faults.inject({ operation: "revokeIfIssued" });
    await expect(reset("device-0001")).rejects.toThrow();
    expect(registry.certificate(active?.certificateId ?? "")?.status).toBe("ACTIVE");
  });
});
