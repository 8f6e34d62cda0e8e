import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createRotateExpiringCertificates,
  type RegisteredCertificate,
  type RotationRecord,
} from "@fleet/core";
import { AuditNotificationSchema, expiringCertificateCheck } from "@fleet/core/contracts";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotationRecord } from "../../../core/tests/port-suites/index.ts";
import { LocalAuditFindings } from "../../src/adapters/local-audit-findings.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { type LocalCa, openLocalCa } from "../../src/local-ca/local-ca.ts";
import { createAuditExpiringCertificates } from "../../src/rotation/audit-expiring-certificates.ts";

const DAY_MS = 86_400_000;

// The sandbox's Device Defender (LocalAuditFindings) followed by core's audit use case.
describe("the sandbox's expiring-certificate audit", () => {
  let dir: string;
  let ca: LocalCa;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-sandbox-audit-"));
    ca = await openLocalCa(join(dir, "ca"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function certificate(
    certificateId: string,
    validityMs: number,
    status: RegisteredCertificate["status"] = "ACTIVE",
  ): Promise<RegisteredCertificate> {
    const { publicKeyPem } = await generateP256KeyPair();
    const { certificatePem } = await ca.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName: certificateId, validity: { durationMs: validityMs } },
    );
    return { certificateId, status, certificatePem };
  }

  /** Things with their certificates. */
  function audit(
    things: Record<string, RegisteredCertificate[]>,
    now = () => new Date(),
    connected: Record<string, string> = {},
  ) {
    const started: string[] = [];
    const rotated: string[] = [];
    const records = new Map<string, RotationRecord>();
    const registry = {
      listCertificates: async (thingName: string) => things[thingName] ?? [],
      thingOfCertificate: async (certificateId: string) =>
        Object.keys(things).find((thingName) =>
          things[thingName]?.some((certificate) => certificate.certificateId === certificateId),
        ) ?? null,
    };
    const auditor = new LocalAuditFindings({
      thingNames: () => Object.keys(things),
      registry,
      connectedCertificateId: (thingName) => connected[thingName],
      clock: now,
    });
    const rotateExpiring = createRotateExpiringCertificates({
      findings: auditor,
      registry,
      async startRotation(thingName, certificateId) {
        if (thingName === "broken") throw new Error("job not created");
        started.push(thingName);
        rotated.push(certificateId);
        const record = rotationRecord({ thingName });
        records.set(record.rotationId, record);
        return { rotationId: record.rotationId, created: true };
      },
      clock: now,
      logger: pino({ level: "silent" }),
    });
    const startExpiringRotations = createAuditExpiringCertificates({
      auditor,
      rotateExpiring,
      rotations: { get: async (rotationId) => records.get(rotationId) ?? null },
    });
    return { started, rotated, startExpiringRotations };
  }

  it("rotates only the devices whose certificate in use expires within the threshold", async () => {
    const { started, startExpiringRotations } = audit({
      expiring: [await certificate("expiring", 2 * DAY_MS)],
      fresh: [await certificate("fresh", 300 * DAY_MS)],
      // The expiring certificate is revoked already: the one in use is fresh.
      "fresh-in-use": [
        await certificate("old", DAY_MS, "REVOKED"),
        await certificate("new", 300 * DAY_MS),
      ],
      "no-certificate": [],
    });
    const rotations = await startExpiringRotations(30 * DAY_MS);
    expect(started).toEqual(["expiring"]);
    expect(rotations.map((rotation) => rotation.thingName)).toEqual(["expiring"]);
  });

  it("rotates the expiring certificate of a thing with several ACTIVE ones, not the oldest", async () => {
    const { rotated, startExpiringRotations } = audit({
      twice: [await certificate("fresh", 300 * DAY_MS), await certificate("expiring", DAY_MS)],
    });
    await startExpiringRotations(30 * DAY_MS);
    expect(rotated).toEqual(["expiring"]);
  });

  it("leaves out a certificate that has already expired: its device provisions again instead", async () => {
    const expired = await certificate("expired", DAY_MS);
    const { started, startExpiringRotations } = audit(
      { expired: [expired] },
      () => new Date(Date.now() + 2 * DAY_MS),
    );
    expect(await startExpiringRotations(30 * DAY_MS)).toEqual([]);
    expect(started).toEqual([]);
  });

  it("rotates a connected device only for the certificate it is connected with", async () => {
    const stray = await certificate("stray", DAY_MS);
    const inUse = await certificate("in-use", 2 * DAY_MS);
    const { rotated, startExpiringRotations } = audit(
      { twice: [stray, inUse], fresh: [stray, await certificate("fresh", 300 * DAY_MS)] },
      undefined,
      { twice: "in-use", fresh: "fresh" },
    );
    await startExpiringRotations(30 * DAY_MS);
    expect(rotated).toEqual(["in-use"]);
  });

  it("goes on with the other devices when one cannot be rotated", async () => {
    const { started, startExpiringRotations } = audit({
      broken: [await certificate("broken", DAY_MS)],
      expiring: [await certificate("expiring", DAY_MS)],
    });
    expect((await startExpiringRotations(30 * DAY_MS)).map((r) => r.thingName)).toEqual([
      "expiring",
    ]);
    expect(started).toEqual(["expiring"]);
  });

  it("reports its check as a stage's audit topic does: the flagged count, or compliant", async () => {
    const things: Record<string, RegisteredCertificate[]> = {
      expiring: [await certificate("expiring", DAY_MS)],
      fresh: [await certificate("fresh", 300 * DAY_MS)],
    };
    const auditor = new LocalAuditFindings({
      thingNames: () => Object.keys(things),
      registry: { listCertificates: async (thingName) => things[thingName] ?? [] },
      connectedCertificateId: () => undefined,
      clock: () => new Date(),
    });
    const flagged = AuditNotificationSchema.parse(await auditor.runAudit(30 * DAY_MS));
    expect(expiringCertificateCheck(flagged)).toMatchObject({
      checkRunStatus: "COMPLETED_NON_COMPLIANT",
      nonCompliantResourcesCount: 1,
      totalResourcesCount: 2,
    });
    const findings = [];
    for await (const finding of auditor.expiringCertificates(flagged.taskId))
      findings.push(finding);
    expect(findings).toEqual([{ certificateId: "expiring" }]);

    const compliant = await auditor.runAudit(DAY_MS / 2);
    expect(expiringCertificateCheck(compliant)?.checkRunStatus).toBe("COMPLETED_COMPLIANT");
  });
});
