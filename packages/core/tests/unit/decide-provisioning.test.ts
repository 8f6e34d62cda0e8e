import { describe, expect, it, vi } from "vitest";
import { InvalidAllowListError } from "../../src/allow-list/allow-list-errors.ts";
import {
  type CertificateSigner,
  type PreProvisioningHookEvent,
  PreProvisioningHookEventSchema,
} from "../../src/contracts/index.ts";
import {
  AllowListCache,
  type AllowListSource,
  createDecideProvisioning,
  type UseCaseLogger,
} from "../../src/index.ts";
import type { DeviceRegistry, RegisteredCertificate } from "../../src/ports/index.ts";
import { InMemoryAllowListStore, InMemoryDeviceLedger } from "./fakes/index.ts";
import { fixture, fixtureJson } from "./support.ts";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const certificate = (name: string) => fixture(`certificates/${name}.pem`).toString("utf8");
const sampleEvent = PreProvisioningHookEventSchema.parse(
  fixtureJson("pre-provisioning-hook-event.json"),
);

/** The sample event for a serial and the certificate (by fixture name) the device presented. */
function hookEvent(serial: string | undefined, pem = certificate("cn-device-0001")) {
  const parameters: Record<string, string> = { ...sampleEvent.parameters };
  if (serial === undefined) delete parameters.SerialNumber;
  else parameters.SerialNumber = serial;
  return { ...sampleEvent, certificatePem: pem, parameters };
}

function staticList(serials: string[], version: string | null = "v7"): AllowListSource {
  return { current: async () => ({ version, serials: new Set(serials) }) };
}

/**
 * A registry whose things have no certificates, unless `certificates` says otherwise;
 * `revoked` lists the certificates the hook revoked.
 */
function registryWith(certificates: Record<string, RegisteredCertificate[]> = {}) {
  const revoked: string[] = [];
  const registry: Pick<DeviceRegistry, "listCertificates" | "revokeCertificate"> & {
    revoked: string[];
  } = {
    revoked,
    listCertificates: async (thingName) => certificates[thingName] ?? [],
    revokeCertificate: async (certificateId) => {
      revoked.push(certificateId);
    },
  };
  return registry;
}

function setup(
  allowList: AllowListSource = staticList(["device-0001", "device-0002"]),
  certificateSigner: CertificateSigner = "private-ca",
  registry = registryWith(),
  now = NOW,
) {
  const ledger = new InMemoryDeviceLedger();
  const logger: UseCaseLogger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const decide = createDecideProvisioning({
    allowList,
    ledger,
    registry,
    certificateSigner,
    logger,
    clock: () => now,
  });
  return { decide, ledger, logger };
}

describe("the pre-provisioning hook decision", () => {
  /** The provisioned device-0001's certificate, valid until 2126. */
  const owned = (status: RegisteredCertificate["status"]): RegisteredCertificate => ({
    certificateId: "c0ffee01",
    status,
    certificatePem: certificate("cn-device-0001"),
  });

  it("denies a serial whose thing already has an ACTIVE certificate that has not expired, and records it", async () => {
    const registry = registryWith({ "device-0001": [owned("REVOKED"), owned("ACTIVE")] });
    const { decide, ledger } = setup(undefined, undefined, registry);
    const decision = await decide(sampleEvent);
    expect(decision.allowProvisioning).toBe(false);
    expect(decision.reason).toBe(
      "thing device-0001 already has a usable certificate (c0ffee01); an operator resets it with `fleet devices reset device-0001` before it provisions again",
    );
    expect(ledger.get("device-0001")?.outcome).toBe("denied");
  });

  it("allows a serial whose thing has only revoked or inactive certificates, retiring the inactive one", async () => {
    const registry = registryWith({
      "device-0001": [owned("REVOKED"), { ...owned("INACTIVE"), certificateId: "1dle" }],
    });
    const { decide } = setup(undefined, undefined, registry);
    expect((await decide(sampleEvent)).allowProvisioning).toBe(true);
    expect(registry.revoked).toEqual(["1dle"]);
  });

  it("allows a serial whose thing's only ACTIVE certificate has expired, and retires it", async () => {
    const registry = registryWith({ "device-0001": [owned("ACTIVE")] });
    const afterExpiry = new Date("2127-01-01T00:00:00.000Z");
    const { decide } = setup(undefined, undefined, registry, afterExpiry);
    expect((await decide(sampleEvent)).allowProvisioning).toBe(true);
    expect(registry.revoked).toEqual(["c0ffee01"]);
  });

  it("still allows when an old certificate cannot be retired, and logs it", async () => {
    const registry = registryWith({ "device-0001": [owned("INACTIVE")] });
    registry.revokeCertificate = async () => {
      throw new Error("throttled");
    };
    const { decide, logger } = setup(undefined, undefined, registry);
    expect((await decide(sampleEvent)).allowProvisioning).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ certificateId: "c0ffee01", error: "throttled" }),
      "could not retire an old certificate; the decision stands",
    );
  });

  it("denies, naming the cause, when the thing's certificates cannot be read", async () => {
    const registry = registryWith();
    registry.listCertificates = async () => {
      throw new Error("throttled");
    };
    const { decide } = setup(undefined, undefined, registry);
    expect(await decide(sampleEvent)).toMatchObject({
      allowProvisioning: false,
      reason: "cannot read the certificates of thing device-0001: throttled",
    });
  });

  it("allows an allow-listed serial whose new certificate names it, and clears its ledger entry", async () => {
    const { decide, ledger } = setup();
    await ledger.record({ serial: "device-0001", outcome: "revoked", reason: "old", at: "x" });
    expect(await decide(sampleEvent)).toEqual({
      allowProvisioning: true,
      reason: 'serial "device-0001" is on the allow-list',
      serial: "device-0001",
    });
    expect(ledger.get("device-0001")).toBeUndefined();
  });

  it("accepts a subject with more names than the CN", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("device-0002", certificate("cn-device-0002")));
    expect(decision.allowProvisioning).toBe(true);
  });

  it("denies a serial that is not on the allow-list, naming the list version, and records it", async () => {
    const { decide, ledger } = setup(staticList(["device-0002"], "v7"));
    const decision = await decide(sampleEvent);
    expect(decision).toEqual({
      allowProvisioning: false,
      reason: 'serial "device-0001" is not on the allow-list (version v7)',
      serial: "device-0001",
    });
    expect(ledger.get("device-0001")).toEqual({
      serial: "device-0001",
      outcome: "denied",
      reason: decision.reason,
      at: NOW.toISOString(),
    });
  });

  it("denies every serial before any allow-list was uploaded", async () => {
    const { decide } = setup(staticList([], null));
    expect((await decide(sampleEvent)).reason).toBe(
      'serial "device-0001" is not on the allow-list (no list uploaded yet)',
    );
  });

  it("denies an event without the serial parameter", async () => {
    const { decide, ledger } = setup();
    expect(await decide(hookEvent(undefined))).toEqual({
      allowProvisioning: false,
      reason: "missing parameter SerialNumber",
      serial: null,
    });
    expect(ledger.size).toBe(0);
  });

  it("denies an event with no parameters at all", async () => {
    const { decide } = setup();
    const { parameters: _, ...event } = sampleEvent;
    const decision = await decide(event as PreProvisioningHookEvent);
    expect(decision.reason).toBe("missing parameter SerialNumber");
  });

  it("denies a serial parameter that is not a valid serial, quoting it", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("../etc/passwd"));
    expect(decision.allowProvisioning).toBe(false);
    expect(decision.serial).toBeNull();
    expect(decision.reason).toMatch(
      /^parameter SerialNumber "\.\.\/etc\/passwd" is not a valid serial \(a serial is 4-64 characters/,
    );
  });

  it("cuts an overlong serial parameter in the reason", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("x".repeat(10_000)));
    expect(decision.reason.length).toBeLessThan(300);
  });

  it("denies a certificate whose subject CN is another serial, even when both are listed", async () => {
    const { decide, ledger } = setup();
    const decision = await decide(hookEvent("device-0001", certificate("cn-device-0002")));
    expect(decision).toEqual({
      allowProvisioning: false,
      reason: 'certificate subject CN "device-0002" is not the serial "device-0001"',
      serial: "device-0001",
    });
    expect(ledger.get("device-0001")?.outcome).toBe("denied");
  });

  it("denies a certificate without a CN", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("device-0001", certificate("no-cn")));
    expect(decision.reason).toBe(
      'certificate subject has no CN; expected the serial "device-0001"',
    );
  });

  it("denies a certificate whose subject has two CNs, even if one is the serial", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("device-0001", certificate("two-cns")));
    expect(decision.reason).toBe(
      'certificate subject has 2 CNs; expected only the serial "device-0001"',
    );
  });

  it("denies when the certificate is not a PEM certificate", async () => {
    const { decide } = setup();
    const decision = await decide(hookEvent("device-0001", "-----BEGIN CERTIFICATE-----\nxx"));
    expect(decision.reason).toBe("certificatePem is not a PEM X.509 certificate");
  });

  it("denies when the event carries no certificate", async () => {
    const { decide } = setup();
    const { certificatePem: _, ...event } = sampleEvent;
    const decision = await decide(event as PreProvisioningHookEvent);
    expect(decision.reason).toBe("the event carries no certificatePem");
  });

  describe("when AWS IoT signs device certificates", () => {
    const awsIot = (list = staticList(["device-0001"])) => setup(list, "aws-iot");

    it("allows an allow-listed serial whatever the certificate's subject says", async () => {
      const { decide } = awsIot();
      for (const name of ["cn-device-0002", "no-cn", "two-cns"]) {
        const decision = await decide(hookEvent("device-0001", certificate(name)));
        expect(decision).toEqual({
          allowProvisioning: true,
          reason: 'serial "device-0001" is on the allow-list',
          serial: "device-0001",
        });
      }
    });

    it("still denies a serial that is not on the allow-list", async () => {
      const { decide, ledger } = awsIot(staticList(["device-0002"]));
      const decision = await decide(sampleEvent);
      expect(decision.reason).toBe('serial "device-0001" is not on the allow-list (version v7)');
      expect(ledger.get("device-0001")?.outcome).toBe("denied");
    });
  });

  it("denies when the allow-list cannot be read, naming the error", async () => {
    const { decide, ledger } = setup({
      current: async () => {
        throw new InvalidAllowListError("version v9: invalid allow-list, 1 issue", {
          source: "version v9",
          issues: [],
          duplicates: [],
        });
      },
    });
    const decision = await decide(sampleEvent);
    expect(decision).toEqual({
      allowProvisioning: false,
      reason:
        "cannot read the allow-list: InvalidAllowListError: version v9: invalid allow-list, 1 issue",
      serial: "device-0001",
    });
    expect(ledger.get("device-0001")?.outcome).toBe("denied");
  });

  it("denies an event that is not an object", async () => {
    const { decide } = setup();
    const decision = await decide(null as unknown as PreProvisioningHookEvent);
    expect(decision.allowProvisioning).toBe(false);
    expect(decision.reason).toBe("missing parameter SerialNumber");
  });

  it("denies, naming the error, when reading the event throws", async () => {
    const { decide } = setup();
    const event = Object.defineProperty({ ...sampleEvent }, "parameters", {
      get: () => {
        throw new TypeError("event is unreadable");
      },
    });
    expect(await decide(event)).toEqual({
      allowProvisioning: false,
      reason: "hook error: TypeError: event is unreadable",
      serial: null,
    });
  });

  it("keeps an allow when the ledger cannot be cleared, and logs why", async () => {
    const { decide, ledger, logger } = setup();
    ledger.faults.inject({ operation: "clear" });
    expect((await decide(sampleEvent)).allowProvisioning).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({
        serial: "device-0001",
        error: "ThrottlingException: Rate exceeded",
      }),
      "could not update the device ledger; the decision stands",
    );
  });

  it("keeps a denial when the ledger cannot record it", async () => {
    const { decide, ledger } = setup(staticList([]));
    ledger.faults.inject({ operation: "record" });
    const decision = await decide(sampleEvent);
    expect(decision.allowProvisioning).toBe(false);
    expect(decision.reason).toContain("is not on the allow-list");
  });

  it("logs each decision with the serial and certificate id, never the certificate", async () => {
    const { decide, logger } = setup(staticList([]));
    await decide(sampleEvent);
    expect(logger.warn).toHaveBeenCalledWith(
      {
        serial: "device-0001",
        certificateId: sampleEvent.certificateId,
        allowProvisioning: false,
        reason: 'serial "device-0001" is not on the allow-list (version v7)',
      },
      "provisioning denied",
    );
    expect(JSON.stringify(vi.mocked(logger.warn).mock.calls)).not.toContain("BEGIN CERTIFICATE");
  });

  it("follows the uploaded list through the allow-list cache: a serial added later is allowed", async () => {
    const store = new InMemoryAllowListStore();
    const { version } = await store.writeSerials(["device-0002"]);
    let now = 0;
    const allowList = new AllowListCache({ store, ttlMs: 1000, clock: () => now });
    const { decide, ledger } = setup(allowList);

    expect((await decide(sampleEvent)).reason).toBe(
      `serial "device-0001" is not on the allow-list (version ${version})`,
    );
    await store.writeSerials(["device-0001", "device-0002"]);
    now += 1000;

    expect((await decide(sampleEvent)).allowProvisioning).toBe(true);
    expect(ledger.get("device-0001")).toBeUndefined();
  });
});
