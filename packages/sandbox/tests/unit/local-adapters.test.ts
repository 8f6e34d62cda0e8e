import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RegisteredCertificate } from "@fleet/core";
import { SERIAL_ATTRIBUTE } from "@fleet/core/contracts";
import {
  describeAllowListStore,
  describeAuditFindings,
  describeCertificateRevoker,
  describeDeviceLedger,
  describeDeviceRegistry,
} from "../../../core/tests/port-suites/index.ts";
import { FileDeviceLedger } from "../../src/adapters/file-device-ledger.ts";
import { LocalAllowListStore } from "../../src/adapters/local-allow-list-store.ts";
import { LocalAuditFindings } from "../../src/adapters/local-audit-findings.ts";
import { LocalCaRevoker } from "../../src/adapters/local-ca-revoker.ts";
import { LocalDeviceRegistry } from "../../src/adapters/local-device-registry.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { type LocalCa, openLocalCa } from "../../src/local-ca/local-ca.ts";

const GROUP = "fleet-test-devices";

async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "fleet-sandbox-adapters-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

async function issue(ca: LocalCa, commonName: string): Promise<string> {
  const { publicKeyPem } = await generateP256KeyPair();
  const issued = await ca.issueCertificate(
    { publicKey: publicKeyPem },
    { commonName, validity: { durationMs: 3600_000 } },
  );
  return issued.certificatePem;
}

describeAllowListStore("LocalAllowListStore", async () => {
  const dir = await tempDir();
  return { store: new LocalAllowListStore(join(dir.path, "allow-list")), close: dir.remove };
});

describeDeviceLedger("FileDeviceLedger", async () => {
  const dir = await tempDir();
  const ledger = new FileDeviceLedger(join(dir.path, "ledger.json"));
  return {
    ledger,
    async close() {
      await ledger.flush();
      await dir.remove();
    },
  };
});

describeCertificateRevoker("LocalCaRevoker", async () => {
  const dir = await tempDir();
  const ca = await openLocalCa(join(dir.path, "ca"));
  // Another sandbox CA has the very same subject name, but its own key.
  const other = await openLocalCa(join(dir.path, "other-ca"));
  return {
    revoker: new LocalCaRevoker(ca),
    issue: () => issue(ca, "SN-REVOKE-01"),
    impostor: () => issue(other, "SN-IMPOSTOR-01"),
    isRevoked: async (pem) => ca.isRevoked(new X509Certificate(pem).serialNumber),
    close: dir.remove,
  };
});

describeDeviceRegistry("LocalDeviceRegistry", async () => {
  const dir = await tempDir();
  const ca = await openLocalCa(join(dir.path, "ca"));
  const registry = await IotRegistry.open(dir.path);
  await registry.createThingGroup(GROUP);
  return {
    registry: new LocalDeviceRegistry(registry, GROUP),
    async seed(...devices) {
      const seeded = [];
      for (const device of devices) {
        await registry.createThing({
          thingName: device.thingName,
          attributes: { [SERIAL_ATTRIBUTE]: device.serial },
        });
        if (device.inFleetGroup !== false) {
          await registry.addThingToThingGroup(GROUP, device.thingName);
        }
        const certificates = [];
        for (const certificate of device.certificates ?? []) {
          const certificatePem = await issue(ca, device.thingName);
          const status = certificate.status ?? "ACTIVE";
          if (status === "PENDING_TRANSFER" || status === "REGISTER_INACTIVE") {
            throw new Error(`the sandbox registry keeps no ${status} certificates`);
          }
          const record = await registry.registerCertificate({ certificatePem, status });
          for (const policyName of certificate.policies ?? []) {
            if (registry.findPolicy(policyName) === undefined) {
              await registry.createPolicy(policyName, {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }],
              });
            }
            await registry.attachPolicy(policyName, record.certificateId);
          }
          await registry.attachThingPrincipal(device.thingName, record.certificateId);
          certificates.push({ certificateId: record.certificateId, certificatePem });
        }
        seeded.push({ thingName: device.thingName, serial: device.serial, certificates });
      }
      return seeded;
    },
    async certificate(certificateId) {
      const record = registry.findCertificate(certificateId);
      if (record === undefined) return null;
      return {
        status: record.status,
        policies: registry.listAttachedPolicies(certificateId).map((policy) => policy.policyName),
        things: registry.listPrincipalThings(certificateId),
      };
    },
    thingExists: async (thingName) => registry.findThing(thingName) !== undefined,
    async close() {
      await registry.flush();
      await dir.remove();
    },
  };
});

describeAuditFindings("LocalAuditFindings", async () => {
  const dir = await tempDir();
  const ca = await openLocalCa(join(dir.path, "ca"));
  const certificates = new Map<string, RegisteredCertificate>();
  const findings = new LocalAuditFindings({
    // One device per certificate, offline: the audit flags its (only) expiring certificate.
    thingNames: () => certificates.keys(),
    registry: {
      listCertificates: async (thingName) => {
        const certificate = certificates.get(thingName);
        return certificate === undefined ? [] : [certificate];
      },
    },
    connectedCertificateId: () => undefined,
    clock: () => new Date(),
  });
  return {
    findings,
    async auditFlagging(certificateIds) {
      certificates.clear();
      for (const certificateId of certificateIds) {
        const certificatePem = await issue(ca, certificateId.slice(0, 16));
        certificates.set(`thing-${certificateId}`, {
          certificateId,
          status: "ACTIVE",
          certificatePem,
        });
      }
      return (await findings.runAudit(30 * 24 * 3600_000)).taskId;
    },
    close: dir.remove,
  };
});
