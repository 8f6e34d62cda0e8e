import type { webcrypto } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { rotationTopics } from "../../src/contracts/topics.ts";
import { CertificateIssueError } from "../../src/domain/certificate-errors.ts";
import { x509 } from "../../src/domain/x509.ts";
import type { CertificateIssuer, JobStarter } from "../../src/ports/index.ts";
import { SeveralActiveCertificatesError } from "../../src/rotation/rotation-errors.ts";
import {
  createCommitRotation,
  createSignRotationCsr,
  createStartRotation,
  createSweepRotations,
} from "../../src/use-cases/index.ts";
import { InMemoryDeviceRegistry, InMemoryRotationStore } from "./fakes/index.ts";

const THING = "device-0001";
const HOUR = 3600_000;

async function csr(
  commonName: string,
  algorithm: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams = {
    name: "ECDSA",
    namedCurve: "P-256",
  },
): Promise<string> {
  const signing =
    algorithm.name === "ECDSA"
      ? { ...algorithm, hash: "SHA-256" }
      : (algorithm as webcrypto.RsaHashedKeyGenParams);
  const keys = await crypto.subtle.generateKey(signing, true, ["sign", "verify"]);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: signing,
  });
  return request.toString("pem");
}

function setup() {
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  const rotations = new InMemoryRotationStore();
  const registry = new InMemoryDeviceRegistry();
  const [device] = registry.seed({
    thingName: THING,
    serial: THING,
    certificates: [{ policies: [registry.devicePolicyName] }],
  });
  const oldCertificateId = device?.certificates[0]?.certificateId as string;
  let issued = 0;
  const issuer: CertificateIssuer & { fail?: Error } = {
    async issue() {
      if (issuer.fail) throw issuer.fail;
      issued += 1;
      return {
        certificatePem: `-----BEGIN CERTIFICATE-----\nnew-${issued}\n-----END CERTIFICATE-----\n`,
        serialNumber: issued.toString(16),
      };
    },
  };
  const cancelled: string[] = [];
  const jobs: JobStarter = {
    startRotationJob: async (thingName) => ({ jobId: `rotate-${thingName}-1` }),
    cancelJob: async (jobId) => {
      cancelled.push(jobId);
    },
  };
  return {
    rotations,
    registry,
    issuer,
    cancelled,
    oldCertificateId,
    issuedCount: () => issued,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    start: createStartRotation({ rotations, registry, jobs, clock, deadlineMs: HOUR }),
    sign: createSignRotationCsr({
      rotations,
      registry,
      issuer,
      validityMs: 365 * 24 * HOUR,
      clock,
    }),
    commit: createCommitRotation({ rotations, registry, clock }),
    sweep: createSweepRotations({ rotations, registry, jobs, clock }),
  };
}

describe("certificate rotation", () => {
  let t: ReturnType<typeof setup>;
  let csrPem: string;
  beforeEach(async () => {
    t = setup();
    csrPem ??= await csr(THING);
  });

  async function issue() {
    const record = await t.start(THING);
    const reply = await t.sign({
      thing: THING,
      principal: t.oldCertificateId,
      payload: { rotationId: record.rotationId, certificateSigningRequest: csrPem },
    });
    expect(reply.outcome).toBe("accepted");
    const issued = await t.rotations.get(record.rotationId);
    return {
      rotationId: record.rotationId,
      newCertificateId: issued?.newCertificateId as string,
      reply,
    };
  }

  it("starts one rotation per device, returning the active one when asked again", async () => {
    const first = await t.start(THING);
    expect(first).toMatchObject({
      step: "requested",
      oldCertificateId: t.oldCertificateId,
      jobId: `rotate-${THING}-1`,
    });
    expect(await t.start(THING)).toEqual(first);
  });

  it("refuses to rotate a device without an ACTIVE certificate", async () => {
    await expect(t.start("device-9999")).rejects.toThrow(/no ACTIVE certificate/);
  });

  it("refuses to guess which of several ACTIVE certificates to rotate, naming them", async () => {
    const [twice] = t.registry.seed({
      thingName: "device-0002",
      serial: "device-0002",
      certificates: [{}, {}],
    });
    const ids = twice?.certificates.map((c) => c.certificateId) ?? [];
    const refused = await t.start("device-0002").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SeveralActiveCertificatesError);
    expect(refused).toMatchObject({ thingName: "device-0002", certificateIds: ids });
    expect(await t.rotations.activeFor("device-0002")).toBeNull();
  });

  it("rotates the named certificate of a thing with several ACTIVE ones", async () => {
    const [twice] = t.registry.seed({
      thingName: "device-0002",
      serial: "device-0002",
      certificates: [{}, {}],
    });
    const inUse = twice?.certificates[1]?.certificateId as string;
    expect(await t.start("device-0002", inUse)).toMatchObject({ oldCertificateId: inUse });
  });

  it("refuses to rotate a named certificate that is not ACTIVE on the thing", async () => {
    await expect(t.start(THING, "f".repeat(64))).rejects.toThrow(
      `Certificate ${"f".repeat(64)} is not an ACTIVE certificate of thing ${THING}`,
    );
  });

  it("issues a certificate that is ACTIVE, carries the device policy and is attached to the thing", async () => {
    const { newCertificateId, reply } = await issue();
    expect(reply.topic).toBe(rotationTopics(THING).csrAccepted);
    expect(t.registry.certificate(newCertificateId)).toEqual({
      status: "ACTIVE",
      policies: [t.registry.devicePolicyName],
      things: [THING],
    });
  });

  it("re-sends the same certificate for a repeated CSR, without issuing a second", async () => {
    const { rotationId, reply } = await issue();
    const again = await t.sign({
      thing: THING,
      principal: t.oldCertificateId,
      payload: { rotationId, certificateSigningRequest: csrPem },
    });
    expect(again).toEqual(reply);
    expect(t.issuedCount()).toBe(1);
  });

  it.each([
    [
      "a payload without a rotation id",
      () => ({ certificateSigningRequest: csrPem }),
      "InvalidRequest",
    ],
    [
      "an unknown rotation",
      () => ({ rotationId: crypto.randomUUID(), certificateSigningRequest: csrPem }),
      "UnknownRotation",
    ],
  ])("rejects %s", async (_name, payload, errorCode) => {
    await t.start(THING);
    const reply = await t.sign({ thing: THING, principal: t.oldCertificateId, payload: payload() });
    expect(reply).toMatchObject({
      outcome: "rejected",
      topic: rotationTopics(THING).csrRejected,
      payload: { errorCode },
    });
  });

  it.each([
    ["a CSR sent over another certificate", { principal: "c".repeat(64) }, "NotOverOldCertificate"],
    ["a CSR for another subject", { cn: "device-0002" }, "SubjectMismatch"],
    [
      "an RSA-1024 key",
      {
        algorithm: {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 1024,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
      },
      "WeakKey",
    ],
    [
      "a CSR that is not PKCS#10",
      { pem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----" },
      "InvalidCsr",
    ],
  ] as const)("rejects %s", async (_name, variant, errorCode) => {
    const record = await t.start(THING);
    const pem =
      "pem" in variant
        ? variant.pem
        : await csr(
            "cn" in variant ? variant.cn : THING,
            "algorithm" in variant ? variant.algorithm : undefined,
          );
    const reply = await t.sign({
      thing: THING,
      principal: "principal" in variant ? variant.principal : t.oldCertificateId,
      payload: { rotationId: record.rotationId, certificateSigningRequest: pem },
    });
    expect(reply.payload).toMatchObject({ rotationId: record.rotationId, errorCode });
    expect(t.issuedCount()).toBe(0);
  });

  it("accepts an EC P-384 key", async () => {
    const record = await t.start(THING);
    const reply = await t.sign({
      thing: THING,
      principal: t.oldCertificateId,
      payload: {
        rotationId: record.rotationId,
        certificateSigningRequest: await csr(THING, { name: "ECDSA", namedCurve: "P-384" }),
      },
    });
    expect(reply.outcome).toBe("accepted");
  });

  it("maps a CSR the CA refuses to InvalidCsr", async () => {
    t.issuer.fail = new CertificateIssueError("MalformedCSRException", { reason: "invalid-csr" });
    const record = await t.start(THING);
    const reply = await t.sign({
      thing: THING,
      principal: t.oldCertificateId,
      payload: { rotationId: record.rotationId, certificateSigningRequest: csrPem },
    });
    expect(reply.payload).toMatchObject({ errorCode: "InvalidCsr" });
  });

  it("rejects a CSR after the deadline", async () => {
    const record = await t.start(THING);
    t.advance(HOUR + 1);
    const reply = await t.sign({
      thing: THING,
      principal: t.oldCertificateId,
      payload: { rotationId: record.rotationId, certificateSigningRequest: csrPem },
    });
    expect(reply.payload).toMatchObject({ errorCode: "RotationExpired" });
  });

  it("commits over the new certificate: the old one is revoked and deleted", async () => {
    const { rotationId, newCertificateId } = await issue();
    const reply = await t.commit({
      thing: THING,
      principal: newCertificateId,
      payload: { rotationId },
    });
    expect(reply).toEqual({
      outcome: "accepted",
      topic: rotationTopics(THING).commitAccepted,
      payload: { rotationId },
    });
    expect(t.registry.certificate(t.oldCertificateId)).toBeNull();
    expect(t.registry.certificate(newCertificateId)?.status).toBe("ACTIVE");
    expect((await t.rotations.get(rotationId))?.step).toBe("committed");
    expect(await t.rotations.activeFor(THING)).toBeNull();
  });

  it("rejects a commit over the old certificate and keeps both certificates", async () => {
    const { rotationId, newCertificateId } = await issue();
    const reply = await t.commit({
      thing: THING,
      principal: t.oldCertificateId,
      payload: { rotationId },
    });
    expect(reply.payload).toMatchObject({ errorCode: "CommitNotOverNewCertificate" });
    expect(t.registry.certificate(t.oldCertificateId)?.status).toBe("ACTIVE");
    expect(t.registry.certificate(newCertificateId)?.status).toBe("ACTIVE");
  });

  it("rejects a replayed commit as AlreadyCommitted without touching the registry", async () => {
    const { rotationId, newCertificateId } = await issue();
    await t.commit({ thing: THING, principal: newCertificateId, payload: { rotationId } });
    const calls = t.registry.calls.length;
    const reply = await t.commit({
      thing: THING,
      principal: newCertificateId,
      payload: { rotationId },
    });
    expect(reply.payload).toMatchObject({ errorCode: "AlreadyCommitted" });
    expect(t.registry.calls).toHaveLength(calls);
  });

  it("rejects a commit for another thing's rotation as UnknownRotation", async () => {
    const { rotationId, newCertificateId } = await issue();
    const reply = await t.commit({
      thing: "device-0002",
      principal: newCertificateId,
      payload: { rotationId },
    });
    expect(reply.payload).toMatchObject({ errorCode: "UnknownRotation" });
  });

  it("times out an uncommitted rotation: the new certificate goes, the old one stays, the job is cancelled", async () => {
    const { rotationId, newCertificateId } = await issue();
    expect((await t.sweep()).timedOut).toEqual([]);
    t.advance(HOUR + 1);
    const summary = await t.sweep();
    expect(summary).toEqual({
      active: 1,
      timedOut: [{ rotationId, thingName: THING }],
      failures: [],
    });
    expect(t.registry.certificate(newCertificateId)).toBeNull();
    expect(t.registry.certificate(t.oldCertificateId)?.status).toBe("ACTIVE");
    expect(t.cancelled).toEqual([`rotate-${THING}-1`]);
    const late = await t.commit({
      thing: THING,
      principal: newCertificateId,
      payload: { rotationId },
    });
    expect(late.payload).toMatchObject({ errorCode: "RotationExpired" });
  });
});
