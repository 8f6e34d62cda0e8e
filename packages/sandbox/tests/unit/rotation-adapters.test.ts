import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateIssueError } from "@fleet/core";
import { ROTATE_CERTIFICATE_JOB_DOCUMENT } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeRotationStore, rotationRecord } from "../../../core/tests/port-suites/index.ts";
import { LocalCaIssuer } from "../../src/adapters/local-ca-issuer.ts";
import { LocalJobStarter } from "../../src/adapters/local-job-starter.ts";
import { LocalRotationStore } from "../../src/adapters/local-rotation-store.ts";
import { StateFileError } from "../../src/errors.ts";
import { JobStore } from "../../src/jobs/job-store.ts";
import { type LocalCa, openLocalCa } from "../../src/local-ca/local-ca.ts";
import { x509 } from "../../src/local-ca/x509.ts";
import { writePrivateFile } from "../../src/state/private-files.ts";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleet-sandbox-rotation-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeRotationStore("LocalRotationStore", async () => {
  const path = await mkdtemp(join(tmpdir(), "fleet-sandbox-rotation-store-"));
  const store = new LocalRotationStore(join(path, "rotations.json"));
  return {
    store,
    async close() {
      await store.flush();
      await rm(path, { recursive: true, force: true });
    },
  };
});

describe("LocalRotationStore file", () => {
  it("keeps rotations across a restart, in a file only the owner can read", async () => {
    const path = join(dir, "rotations.json");
    const store = new LocalRotationStore(path);
    const record = rotationRecord({ serial: "SN-0001" });
    await store.create(record);
    await store.update(
      record.rotationId,
      { step: "issued", newCertificateId: "b".repeat(64) },
      "requested",
    );
    await store.flush();

    const reopened = new LocalRotationStore(path);
    expect(await reopened.activeFor(record.thingName)).toEqual({
      ...record,
      step: "issued",
      newCertificateId: "b".repeat(64),
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("refuses a damaged rotations file rather than forgetting rotations", async () => {
    const path = join(dir, "rotations.json");
    await writePrivateFile(path, "{ not json");
    await expect(new LocalRotationStore(path).list()).rejects.toBeInstanceOf(StateFileError);
  });
});

describe("LocalCaIssuer", () => {
  let ca: LocalCa;
  beforeEach(async () => {
    ca = await openLocalCa(join(dir, "ca"));
  });

  it("signs the CSR's key with its subject and the requested validity", async () => {
    const now = Date.UTC(2030, 0, 1);
    const { csrPem } = await deviceKeyAndCsr("device-0001");
    const issued = await new LocalCaIssuer(ca, { now: () => now }).issue({
      csrPem,
      validityMs: 600_000,
    });
    const certificate = new x509.X509Certificate(issued.certificatePem);
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    expect(certificate.subject).toBe("CN=device-0001");
    expect(certificate.notAfter.getTime()).toBe(Math.floor((now + 600_000) / 1000) * 1000);
    expect(certificate.serialNumber).toBe(issued.serialNumber);
    expect(Buffer.from(certificate.publicKey.rawData)).toEqual(Buffer.from(csr.publicKey.rawData));
    expect(ca.issued(issued.certificatePem)).toBe(true);
  });

  it("never issues past the CA's own expiry", async () => {
    const { csrPem } = await deviceKeyAndCsr("device-0001");
    const issued = await new LocalCaIssuer(ca).issue({
      csrPem,
      validityMs: 100 * 365 * 86_400_000,
    });
    expect(new x509.X509Certificate(issued.certificatePem).notAfter.getTime()).toBeLessThanOrEqual(
      ca.notAfter.getTime(),
    );
  });

  it("refuses a request that is not a CSR as the device's fault (invalid-csr)", async () => {
    const refusal = await new LocalCaIssuer(ca)
      .issue({
        csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        validityMs: 60_000,
      })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CertificateIssueError);
    expect((refusal as CertificateIssueError).reason).toBe("invalid-csr");
  });
});

describe("LocalJobStarter", () => {
  const rotationId = "00000000-0000-4000-8000-000000000001";

  it("queues the rotate-certificate job for the thing, its job id naming the rotation", async () => {
    const jobs = await JobStore.open(dir);
    const { jobId } = await new LocalJobStarter(jobs).startRotationJob("device-0001", rotationId);
    expect(jobId).toBe(rotationId);
    expect(jobs.describeJob(jobId).document).toEqual(ROTATE_CERTIFICATE_JOB_DOCUMENT);
    expect(jobs.pendingExecutions("device-0001").map((execution) => execution.jobId)).toEqual([
      jobId,
    ]);
  });

  it("cancels the execution even once the device took it, and tolerates a finished one", async () => {
    const jobs = await JobStore.open(dir);
    const starter = new LocalJobStarter(jobs);
    const { jobId } = await starter.startRotationJob("device-0001", rotationId);
    await jobs.startNextPendingExecution("device-0001", undefined);
    await starter.cancelJob(jobId, "device-0001", "the device did not commit");
    const execution = jobs.describeJobExecution(jobId, "device-0001");
    expect(execution.status).toBe("CANCELED");
    expect(execution.statusDetails).toEqual({ reason: "the device did not commit" });
    expect(jobs.pendingExecutions("device-0001")).toEqual([]);
    await expect(starter.cancelJob(jobId, "device-0001", "again")).resolves.toBeUndefined();
    await expect(starter.cancelJob("gone", "device-0001", "gone")).resolves.toBeUndefined();
  });
});

describe("JobStore.cancelJobExecution", () => {
  it("refuses to cancel an IN_PROGRESS execution without force, as AWS does", async () => {
    const jobs = await JobStore.open(dir);
    await jobs.createJob({ jobId: "job-1", document: {}, targets: ["device-0001"] });
    await jobs.startNextPendingExecution("device-0001", undefined);
    await expect(
      jobs.cancelJobExecution("job-1", "device-0001", { force: false }),
    ).rejects.toMatchObject({ code: "InvalidStateTransition" });
    expect(jobs.describeJobExecution("job-1", "device-0001").status).toBe("IN_PROGRESS");
  });

  it("cancels a QUEUED execution without force and completes the job", async () => {
    const jobs = await JobStore.open(dir);
    await jobs.createJob({ jobId: "job-1", document: {}, targets: ["device-0001"] });
    const canceled = await jobs.cancelJobExecution("job-1", "device-0001", { force: false });
    expect(canceled).toMatchObject({ status: "CANCELED", versionNumber: 2 });
    expect(jobs.describeJob("job-1").status).toBe("COMPLETED");
  });
});
