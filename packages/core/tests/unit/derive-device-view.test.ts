import { describe, expect, it } from "vitest";
import { type AttachedCertificate, deriveDeviceView } from "../../src/domain/derive-device-view.ts";

const NOW = new Date("2026-12-06T08:00:00.000Z");

function certificate(
  certificateId: string,
  status: string,
  notAfter: string,
  createdAt: string,
): AttachedCertificate {
  return { certificateId, status, notAfter: new Date(notAfter), createdAt: new Date(createdAt) };
}

function view(certificates: AttachedCertificate[]) {
  return deriveDeviceView({
    serial: "device-0001",
    thingName: "device-0001",
    connected: false,
    certificates,
    apps: {},
    now: NOW,
  });
}

describe("a device's view from its certificates", () => {
  it("is expired while its only ACTIVE certificate has expired, naming it", () => {
    expect(
      view([certificate("a1", "ACTIVE", "2026-12-06T07:00:00Z", "2026-12-01T00:00:00Z")]),
    ).toMatchObject({
      state: "expired",
      certificateId: "a1",
      notAfter: "2026-12-06T07:00:00.000Z",
      reason:
        "certificate a1 expired at 2026-12-06T07:00:00.000Z; the device provisions again by claim when it comes back",
    });
  });

  it("is provisioned with its new certificate once it provisioned again after expiry", () => {
    expect(
      view([
        certificate("a1", "ACTIVE", "2026-12-06T07:00:00Z", "2026-12-01T00:00:00Z"),
        certificate("b2", "ACTIVE", "2026-12-07T07:00:00Z", "2026-12-06T07:30:00Z"),
      ]),
    ).toMatchObject({ state: "provisioned", certificateId: "b2", reason: null });
  });

  it("names every usable ACTIVE certificate when a thing has more than one", () => {
    expect(
      view([
        certificate("a1", "ACTIVE", "2026-12-08T00:00:00Z", "2026-12-01T00:00:00Z"),
        certificate("b2", "ACTIVE", "2026-12-09T00:00:00Z", "2026-12-02T00:00:00Z"),
      ]),
    ).toMatchObject({
      state: "provisioned",
      certificateId: "b2",
      reason:
        "2 usable ACTIVE certificates (b2, a1): a rotation under way, or a second registration; rotation needs the one in use named",
    });
  });
});
