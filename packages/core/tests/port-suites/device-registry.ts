import { afterEach, describe, expect, it } from "vitest";
import type { CertificateStatus } from "../../src/contracts/certificate-status.ts";
import type { DeviceRegistry, RegisteredDevice } from "../../src/ports/index.ts";

export interface SeedCertificate {
  /** Default ACTIVE. */
  status?: CertificateStatus;
  /** IoT policies attached to the certificate; the subject creates them as needed. Default none. */
  policies?: string[];
}

export interface SeedDevice {
  thingName: string;
  /** Kept as the thing's serial attribute. */
  serial: string;
  /** false: the thing exists but is not in the fleet's thing group. Default true. */
  inFleetGroup?: boolean;
  /** Each one is attached to the thing as a principal. Default none. */
  certificates?: SeedCertificate[];
}

/** What the subject created; ids and PEMs are the backend's own (real certificates in the sandbox). */
export interface SeededDevice {
  thingName: string;
  serial: string;
  certificates: { certificateId: string; certificatePem: string }[];
}

/** A certificate as the backing state holds it, read behind the adapter's back. */
export interface CertificateState {
  status: CertificateStatus;
  /** Names of the policies attached to it. */
  policies: string[];
  /** Names of the things it is attached to. */
  things: string[];
}

/**
 * One adapter under test plus direct access to its backing state (sandbox IotRegistry, or the
 * state behind aws-sdk-client-mock), so the suite seeds and observes without trusting the adapter.
 */
export interface DeviceRegistrySubject {
  registry: DeviceRegistry;
  /** Creates things, certificates and attachments directly in the backing state. */
  seed(...devices: SeedDevice[]): Promise<SeededDevice[]>;
  /** The certificate's state; null once it is deleted (or never existed). */
  certificate(certificateId: string): Promise<CertificateState | null>;
  thingExists(thingName: string): Promise<boolean>;
  /** Releases what makeSubject opened (temp dirs, mocks). */
  close?(): Promise<void>;
}

const UNKNOWN_CERTIFICATE_ID = "f".repeat(64);
const UNKNOWN_THING = "ghost-0000";
const POLICIES = ["fleet-test-device", "fleet-test-extra"];

async function listAll(registry: DeviceRegistry): Promise<RegisteredDevice[]> {
  const devices: RegisteredDevice[] = [];
  for await (const device of registry.listDevices()) devices.push(device);
  return devices.sort((a, b) => a.thingName.localeCompare(b.thingName));
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

/**
 * The DeviceRegistry contract every adapter meets: listing the fleet group, and every mutation
 * idempotent and tolerant of what is already gone, so a reconcile can always be rerun.
 */
export function describeDeviceRegistry(
  name: string,
  makeSubject: () => Promise<DeviceRegistrySubject>,
): void {
  describe(`DeviceRegistry contract: ${name}`, () => {
    let opened: DeviceRegistrySubject | undefined;
    async function subject(): Promise<DeviceRegistrySubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    /** One device with one certificate carrying the given status and both test policies. */
    async function seedOne(
      s: DeviceRegistrySubject,
      status: CertificateStatus = "ACTIVE",
    ): Promise<{ thingName: string; certificateId: string }> {
      const device = only(
        await s.seed({
          thingName: "device-0001",
          serial: "device-0001",
          certificates: [{ status, policies: POLICIES }],
        }),
      );
      return {
        thingName: device.thingName,
        certificateId: only(device.certificates).certificateId,
      };
    }

    describe("listing", () => {
      it("lists every thing of the fleet group with its serial, and no thing outside it", async () => {
        const s = await subject();
        await s.seed(
          { thingName: "device-0001", serial: "device-0001" },
          { thingName: "device-0002", serial: "device-0002", certificates: [{}] },
          { thingName: "device-0003", serial: "device-0003", certificates: [{}, {}] },
          { thingName: "outsider-0001", serial: "outsider-0001", inFleetGroup: false },
        );
        expect(await listAll(s.registry)).toEqual([
          { thingName: "device-0001", serial: "device-0001" },
          { thingName: "device-0002", serial: "device-0002" },
          { thingName: "device-0003", serial: "device-0003" },
        ]);
      });

      it("lists no device when the fleet group is empty", async () => {
        const s = await subject();
        await s.seed({ thingName: "outsider-0001", serial: "outsider-0001", inFleetGroup: false });
        expect(await listAll(s.registry)).toEqual([]);
      });

      it("lists a thing's certificates with their id, status and PEM", async () => {
        const s = await subject();
        const device = only(
          await s.seed({
            thingName: "device-0001",
            serial: "device-0001",
            certificates: [{ status: "ACTIVE" }, { status: "REVOKED" }],
          }),
        );
        const [active, revoked] = device.certificates;
        const listed = await s.registry.listCertificates("device-0001");
        expect(listed.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
          { ...active, status: "ACTIVE" },
          { ...revoked, status: "REVOKED" },
        ]);
      });

      it("lists no certificate for a thing without any, or that does not exist", async () => {
        const s = await subject();
        await s.seed({ thingName: "device-0001", serial: "device-0001" });
        expect(await s.registry.listCertificates("device-0001")).toEqual([]);
        expect(await s.registry.listCertificates(UNKNOWN_THING)).toEqual([]);
      });
    });

    describe("revokeCertificate", () => {
      it.each<CertificateStatus>(["ACTIVE", "INACTIVE"])(
        "revokes a certificate that is %s",
        async (status) => {
          const s = await subject();
          const { certificateId } = await seedOne(s, status);
          await s.registry.revokeCertificate(certificateId);
          expect((await s.certificate(certificateId))?.status).toBe("REVOKED");
        },
      );

      it("succeeds again on a certificate it already revoked", async () => {
        const s = await subject();
        const { certificateId } = await seedOne(s);
        await s.registry.revokeCertificate(certificateId);
        await s.registry.revokeCertificate(certificateId);
        expect((await s.certificate(certificateId))?.status).toBe("REVOKED");
      });

      it("keeps the revoked certificate's attachments (they are removed by later steps)", async () => {
        const s = await subject();
        const { thingName, certificateId } = await seedOne(s);
        await s.registry.revokeCertificate(certificateId);
        const state = await s.certificate(certificateId);
        expect(state?.things).toEqual([thingName]);
        expect(state?.policies.sort()).toEqual(POLICIES);
      });

      it("succeeds on a certificate that does not exist", async () => {
        const s = await subject();
        await expect(s.registry.revokeCertificate(UNKNOWN_CERTIFICATE_ID)).resolves.toBeUndefined();
      });
    });

    describe("detachPolicies", () => {
      it("detaches every policy of the certificate, twice without error", async () => {
        const s = await subject();
        const { certificateId } = await seedOne(s, "REVOKED");
        await s.registry.detachPolicies(certificateId);
        expect((await s.certificate(certificateId))?.policies).toEqual([]);
        await s.registry.detachPolicies(certificateId);
        expect((await s.certificate(certificateId))?.policies).toEqual([]);
      });

      it("leaves the policies of other certificates attached", async () => {
        const s = await subject();
        const [first, second] = await s.seed(
          {
            thingName: "device-0001",
            serial: "device-0001",
            certificates: [{ policies: POLICIES }],
          },
          {
            thingName: "device-0002",
            serial: "device-0002",
            certificates: [{ policies: POLICIES }],
          },
        );
        const removed = only(first?.certificates ?? []).certificateId;
        const kept = only(second?.certificates ?? []).certificateId;
        await s.registry.detachPolicies(removed);
        expect((await s.certificate(kept))?.policies.sort()).toEqual(POLICIES);
      });

      it("succeeds on a certificate that does not exist", async () => {
        const s = await subject();
        await expect(s.registry.detachPolicies(UNKNOWN_CERTIFICATE_ID)).resolves.toBeUndefined();
      });
    });

    describe("detachThingPrincipal", () => {
      it("detaches the certificate from the thing, twice without error", async () => {
        const s = await subject();
        const { thingName, certificateId } = await seedOne(s, "REVOKED");
        await s.registry.detachThingPrincipal(thingName, certificateId);
        expect(await s.registry.listCertificates(thingName)).toEqual([]);
        expect((await s.certificate(certificateId))?.things).toEqual([]);
        await s.registry.detachThingPrincipal(thingName, certificateId);
        expect((await s.certificate(certificateId))?.things).toEqual([]);
      });

      it("succeeds when the thing or the certificate does not exist", async () => {
        const s = await subject();
        const { thingName, certificateId } = await seedOne(s);
        await expect(
          s.registry.detachThingPrincipal(UNKNOWN_THING, certificateId),
        ).resolves.toBeUndefined();
        await expect(
          s.registry.detachThingPrincipal(thingName, UNKNOWN_CERTIFICATE_ID),
        ).resolves.toBeUndefined();
        expect((await s.certificate(certificateId))?.things).toEqual([thingName]);
      });
    });

    describe("deleteCertificate", () => {
      it("deletes a revoked, detached certificate, twice without error", async () => {
        const s = await subject();
        const { thingName, certificateId } = await seedOne(s);
        await s.registry.revokeCertificate(certificateId);
        await s.registry.detachPolicies(certificateId);
        await s.registry.detachThingPrincipal(thingName, certificateId);
        await s.registry.deleteCertificate(certificateId);
        expect(await s.certificate(certificateId)).toBeNull();
        await expect(s.registry.deleteCertificate(certificateId)).resolves.toBeUndefined();
      });

      it("succeeds on a certificate that does not exist", async () => {
        const s = await subject();
        await expect(s.registry.deleteCertificate(UNKNOWN_CERTIFICATE_ID)).resolves.toBeUndefined();
      });
    });

    describe("deleteThing", () => {
      it("deletes a thing without principals, which leaves the fleet listing, twice without error", async () => {
        const s = await subject();
        await s.seed(
          { thingName: "device-0001", serial: "device-0001" },
          { thingName: "device-0002", serial: "device-0002" },
        );
        await s.registry.deleteThing("device-0001");
        expect(await s.thingExists("device-0001")).toBe(false);
        expect(await listAll(s.registry)).toEqual([
          { thingName: "device-0002", serial: "device-0002" },
        ]);
        await expect(s.registry.deleteThing("device-0001")).resolves.toBeUndefined();
      });

      it("succeeds on a thing that does not exist", async () => {
        const s = await subject();
        await expect(s.registry.deleteThing(UNKNOWN_THING)).resolves.toBeUndefined();
      });
    });

    it("removes a device completely and touches no other, even when every step runs twice", async () => {
      const s = await subject();
      const [gone, kept] = await s.seed(
        {
          thingName: "device-0001",
          serial: "device-0001",
          certificates: [{ policies: POLICIES }, { status: "INACTIVE", policies: POLICIES }],
        },
        { thingName: "device-0002", serial: "device-0002", certificates: [{ policies: POLICIES }] },
      );
      if (gone === undefined || kept === undefined)
        throw new Error("seed returned too few devices");
      for (let run = 0; run < 2; run++) {
        for (const { certificateId } of gone.certificates) {
          await s.registry.revokeCertificate(certificateId);
          await s.registry.detachPolicies(certificateId);
          await s.registry.detachThingPrincipal(gone.thingName, certificateId);
          await s.registry.deleteCertificate(certificateId);
        }
        await s.registry.deleteThing(gone.thingName);
      }
      for (const { certificateId } of gone.certificates) {
        expect(await s.certificate(certificateId)).toBeNull();
      }
      expect(await s.thingExists(gone.thingName)).toBe(false);
      expect(await listAll(s.registry)).toEqual([
        { thingName: kept.thingName, serial: kept.serial },
      ]);
      const keptCertificate = only(kept.certificates);
      expect(await s.certificate(keptCertificate.certificateId)).toEqual({
        status: "ACTIVE",
        policies: expect.arrayContaining(POLICIES),
        things: [kept.thingName],
      });
    });
  });
}
