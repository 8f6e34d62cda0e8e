import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateIdOf } from "@fleet/core/contracts";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createJobsAgent } from "../../src/jobs/jobs-agent.ts";
import { x509 } from "../../src/provisioning/x509.ts";
import {
  createCertificateRotator,
  recoverRotation,
} from "../../src/rotation/certificate-rotator.ts";
import { type RotationFiles, rotationFiles } from "../../src/rotation/rotation-files.ts";
import { readRotationProgress } from "../../src/rotation/rotation-progress.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeRotationCloud, ROTATION_ID } from "../support/fake-rotation-cloud.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime, flushPromises } from "../support/fake-time.ts";
import { createTestConnection } from "../support/test-connection.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const THING = "sim-0001";
const NOT_AUTHORIZED = { reason: "Not authorized", returnCode: 5, certificateRejected: true };

type Cloud = ReturnType<typeof createFakeRotationCloud>;

describe("certificate rotation on the device", () => {
  let pki: TestPki;
  let dir: string;
  const running: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    pki = await createTestPki(THING);
  });
  afterEach(async () => {
    for (const device of running.splice(0)) await device.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function provisionedDir(): Promise<RotationFiles> {
    dir = await mkdtemp(join(tmpdir(), "fleet-rotation-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
    return files();
  }
  const files = () =>
    rotationFiles(
      { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") },
      join(dir, "state"),
    );

  /** One run of the device's jobs agent and rotator, as after a (re)start. */
  async function boot(
    cloud: Cloud,
    options: {
      refuse?: (certFile: string) => boolean;
      /** Sessions with this certificate get neither CONNACK nor a close. */
      silent?: (certFile: string) => boolean;
      csrDeadlineMs?: number;
    } = {},
  ) {
    const { logger, lines } = createCaptureLogger();
    const rotation = files();
    const first = await recoverRotation(rotation, logger);
    const time = createFakeTime();
    const sessions = createFakeSessions({
      onOpen: (session) => {
        if (options.silent?.(session.target.tls.certFile)) return;
        if (options.refuse?.(session.target.tls.certFile)) session.end(NOT_AUTHORIZED);
        else session.accept();
      },
      onPublish: cloud.onPublish,
    });
    const connection = createTestConnection({
      clientId: THING,
      openSession: sessions.open,
      logger,
      time,
      tls: { caFile: join(dir, "ca.pem"), ...first },
    });
    const rotator = createCertificateRotator({
      thingName: THING,
      files: rotation,
      connection,
      replyTimeoutMs: 10_000,
      ...(options.csrDeadlineMs !== undefined && { csrDeadlineMs: options.csrDeadlineMs }),
      timers: time.timers,
      logger,
    });
    const agent = createJobsAgent({
      thingName: THING,
      connection,
      handlers: { "rotate-certificate": rotator.handle },
      stateDir: join(dir, "state"),
      replyTimeoutMs: 10_000,
      timers: time.timers,
      logger,
    });
    const device = {
      sessions,
      connection,
      lines,
      time,
      async stop() {
        agent.stop();
        rotator.stop();
        await connection.stop();
      },
    };
    running.push(device);
    connection.start();
    return device;
  }

  const certificateSerial = async (file: string) =>
    new X509Certificate(await readFile(file)).serialNumber;
  const waitForStatus = (cloud: Cloud, status: string) =>
    vi.waitFor(() => expect(cloud.status()).toBe(status), { timeout: 5_000 });

  it("sends the CSR over the old certificate, commits over the new one, then promotes the new pair", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    const device = await boot(cloud);
    await waitForStatus(cloud, "SUCCEEDED");

    expect(cloud.requests.csrs.map((csr) => csr.certFile)).toEqual([rotation.current.certFile]);
    expect(cloud.requests.commits).toEqual([
      { certFile: rotation.next.certFile, rotationId: ROTATION_ID },
    ]);
    const newCertificate = await readFile(rotation.current.certFile, "utf8");
    expect(newCertificate).not.toBe(pki.device.certPem);
    expect(new X509Certificate(newCertificate).subject).toBe(`CN=${THING}`);
    // The old pair is kept beside it; the next files are gone.
    expect(await readFile(rotation.prev.certFile, "utf8")).toBe(pki.device.certPem);
    expect(await readFile(rotation.prev.keyFile, "utf8")).toBe(pki.device.keyPem);
    await expect(stat(rotation.next.certFile)).rejects.toThrow(/ENOENT/);
    expect((await stat(rotation.current.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(rotation.stateFile)).mode & 0o777).toBe(0o600);
    // The connection keeps using the device's own (now new) files.
    expect(device.connection.credentials).toEqual(rotation.current);
    expect(device.connection.state).toBe("connected");

    expect(cloud.updates.map((update) => [update.status, update.statusDetails.phase])).toEqual([
      ["IN_PROGRESS", "key"],
      ["IN_PROGRESS", "verify"],
      ["IN_PROGRESS", "switch"],
      ["SUCCEEDED", "promote"],
    ]);
    expect(cloud.updates.at(-1)?.statusDetails).toEqual({
      step: "1/1",
      operation: "rotate-certificate",
      phase: "promote",
      newCertificateId: certificateIdOf(newCertificate),
    });
    expect(JSON.stringify(device.lines())).not.toContain("PRIVATE KEY");
  });

  it("reports FAILED with the backend's code when the CSR is rejected, and keeps the old certificate", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.answers.csr.push({ reject: "SubjectMismatch" });
    const device = await boot(cloud);
    await waitForStatus(cloud, "FAILED");

    expect(cloud.updates.at(-1)?.statusDetails).toEqual({
      step: "1/1",
      operation: "rotate-certificate",
      phase: "csr",
      errorCode: "SubjectMismatch",
      reason: "refused: SubjectMismatch",
    });
    expect(await readFile(rotation.current.certFile, "utf8")).toBe(pki.device.certPem);
    expect(device.connection.credentials).toEqual(rotation.current);
    expect(cloud.requests.commits).toEqual([]);
  });

  describe("with a slow backend", () => {
    /** Lets the reply wait that is running now end, as the device's timer would. */
    const waitOut = async (
      device: { time: { advance(ms: number): Promise<void> } },
      ms: number,
    ) => {
      await flushPromises();
      await device.time.advance(ms);
    };

    it("sends the same CSR again when no reply came in time, and rotates with the certificate then sent", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.csr.push("silent", "silent");
      const device = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(1));
      await waitOut(device, 10_000);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(2));
      // Each wait is twice the last, so a slow backend is not flooded with copies.
      await waitOut(device, 19_999);
      expect(cloud.requests.csrs).toHaveLength(2);
      await waitOut(device, 1);
      await waitForStatus(cloud, "SUCCEEDED");

      expect(cloud.requests.csrs).toHaveLength(3);
      // The same CSR (same new key), over the old certificate every time.
      const [first, ...again] = cloud.requests.csrs;
      expect(first?.certFile).toBe(rotation.current.certFile);
      for (const csr of again) expect(csr).toEqual(first);
      expect(cloud.updates.map((update) => update.status)).not.toContain("FAILED");
      expect(device.lines().filter((line) => line.msg === "rotation.csr-resend")).toHaveLength(2);
    });

    it("reports FAILED with Timeout once the CSR deadline passed, without a last wait beyond it", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.csr.push("silent", "silent", "silent", "silent");
      const device = await boot(cloud, { csrDeadlineMs: 35_000 });
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(1));
      // Waits of 10 s, 20 s, then the 5 s left of the deadline.
      await waitOut(device, 10_000);
      await waitOut(device, 20_000);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(3));
      await waitOut(device, 5_000);
      await waitForStatus(cloud, "FAILED");
      expect(cloud.requests.csrs).toHaveLength(3);
      expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
        phase: "csr",
        errorCode: "Timeout",
      });
      expect(device.connection.credentials).toEqual(rotation.current);
    });

    it("gives up on the CSR in time to report FAILED before the job's in-progress timer ends", async () => {
      await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.setSecondsBeforeTimedOut(40);
      cloud.answers.csr.push("silent", "silent", "silent");
      const device = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(1));
      // 40 s left less one reply wait: waits of 10 s and 20 s.
      await waitOut(device, 10_000);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(2));
      await waitOut(device, 20_000);
      await waitForStatus(cloud, "FAILED");
      expect(cloud.requests.csrs).toHaveLength(2);
    });
  });

  it("refuses a certificate that does not match the new key", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.answers.csr.push({ certificatePem: pki.claim.certPem });
    await boot(cloud);
    await waitForStatus(cloud, "FAILED");

    expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
      phase: "verify",
      errorCode: "CertificateMismatch",
    });
    await expect(stat(rotation.next.certFile)).rejects.toThrow(/ENOENT/);
    expect(cloud.requests.commits).toEqual([]);
  });

  it("falls back to the old certificate when the new one is refused at connect", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    const device = await boot(cloud, { refuse: (file) => file === rotation.next.certFile });
    await waitForStatus(cloud, "FAILED");

    expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
      phase: "switch",
      errorCode: "NewCertificateRefused",
    });
    expect(device.connection.credentials).toEqual(rotation.current);
    expect(device.connection.state).toBe("connected");
    expect(await readFile(rotation.current.certFile, "utf8")).toBe(pki.device.certPem);
    expect(cloud.requests.commits).toEqual([]);
  });

  it("falls back to the old certificate when the switch gets no answer within its deadline", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    const device = await boot(cloud, { silent: (file) => file === rotation.next.certFile });
    await vi.waitFor(() => expect(device.connection.credentials).toEqual(rotation.next));
    expect(device.connection.state).toBe("connecting");
    // DEVICE_CONNECTION_DEFAULTS.switchTimeoutMs
    await device.time.advance(90_000);
    await waitForStatus(cloud, "FAILED");

    expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
      phase: "switch",
      errorCode: "SwitchTimedOut",
    });
    expect(device.connection.credentials).toEqual(rotation.current);
    expect(device.connection.state).toBe("connected");
    expect(cloud.requests.commits).toEqual([]);
  });

  it("goes back to the old certificate when the commit is rejected", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.answers.commit.push({ reject: "RotationExpired" });
    const device = await boot(cloud);
    await waitForStatus(cloud, "FAILED");

    expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
      phase: "commit",
      errorCode: "RotationExpired",
    });
    await vi.waitFor(() => expect(device.connection.state).toBe("connected"));
    expect(device.connection.credentials).toEqual(rotation.current);
    expect(await readFile(rotation.current.certFile, "utf8")).toBe(pki.device.certPem);
  });

  it("treats a commit the backend already recorded as done", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.answers.commit.push({ reject: "AlreadyCommitted" });
    await boot(cloud);
    await waitForStatus(cloud, "SUCCEEDED");
    expect(await readFile(rotation.prev.certFile, "utf8")).toBe(pki.device.certPem);
  });

  it("stays on the new certificate and commits again when the backend failed internally", async () => {
    const rotation = await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.answers.commit.push({ reject: "InternalError" });
    const device = await boot(cloud);
    await vi.waitFor(() => expect(cloud.requests.commits).toHaveLength(1));
    await flushPromises();
    expect(cloud.status()).toBe("IN_PROGRESS");
    expect(device.connection.credentials).toEqual(rotation.next);

    // The next connect (here: a lost connection) starts the job again.
    device.sessions.latest().end({ reason: "keepalive timeout" });
    await device.time.advance(1_000);
    await waitForStatus(cloud, "SUCCEEDED");
    expect(cloud.requests.commits.map((commit) => commit.certFile)).toEqual([
      rotation.next.certFile,
      rotation.next.certFile,
    ]);
  });

  it("rejects a rotation job whose document carries a field it does not know", async () => {
    await provisionedDir();
    const cloud = createFakeRotationCloud(pki, THING);
    cloud.setJobDocument({
      version: "1",
      steps: [{ operation: "rotate-certificate", rotationId: ROTATION_ID }],
    });
    await boot(cloud);
    await waitForStatus(cloud, "REJECTED");
    expect(cloud.updates.at(-1)?.statusDetails.reason).toMatch(/steps\[0\].*rotationId/);
    expect(cloud.requests.csrs).toEqual([]);
  });

  describe("after a restart", () => {
    it("resumes after the key step with the same new key", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.csr.push("silent");
      const crashed = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.csrs).toHaveLength(1));
      expect((await readRotationProgress(rotation.stateFile))?.step).toBe("key");
      await crashed.stop();

      await boot(cloud);
      await waitForStatus(cloud, "SUCCEEDED");
      const [first, second] = cloud.requests.csrs;
      expect(publicKeyOf(second?.csrPem)).toBe(publicKeyOf(first?.csrPem));
      expect(await readFile(rotation.prev.certFile, "utf8")).toBe(pki.device.certPem);
    });

    it("connects with the issued certificate and commits when it stopped before the commit", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.commit.push("silent");
      const crashed = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.commits).toHaveLength(1));
      expect((await readRotationProgress(rotation.stateFile))?.step).toBe("certificate");
      await crashed.stop();

      const device = await boot(cloud);
      expect(device.sessions.sessions[0]?.target.tls.certFile).toBe(rotation.next.certFile);
      await waitForStatus(cloud, "SUCCEEDED");
      expect(cloud.requests.commits.map((commit) => commit.certFile)).toEqual([
        rotation.next.certFile,
        rotation.next.certFile,
      ]);
      expect(cloud.requests.csrs).toHaveLength(1);
    });

    it("falls back to the old pair and reports FAILED when the issued certificate is refused", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.commit.push("silent");
      const crashed = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.commits).toHaveLength(1));
      await crashed.stop();

      // Meanwhile the backend's sweeper deleted the new certificate.
      const device = await boot(cloud, { refuse: (file) => file === rotation.next.certFile });
      await waitForStatus(cloud, "FAILED");
      expect(cloud.updates.at(-1)?.statusDetails).toMatchObject({
        step: "1/1",
        errorCode: "NewCertificateRefused",
      });
      expect(device.connection.credentials).toEqual(rotation.current);
      expect(device.connection.state).toBe("connected");
      expect(await readFile(rotation.current.certFile, "utf8")).toBe(pki.device.certPem);
    });

    it("promotes the new pair before connecting when the commit was accepted", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.commit.push("silent");
      const crashed = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.commits).toHaveLength(1));
      await crashed.stop();
      const issuedSerial = await certificateSerial(rotation.next.certFile);
      // The commit was accepted and recorded; the process died before renaming anything.
      const progress = await readRotationProgress(rotation.stateFile);
      await writeFile(rotation.stateFile, JSON.stringify({ ...progress, step: "committed" }));

      const device = await boot(cloud, { refuse: (file) => file !== rotation.current.certFile });
      await waitForStatus(cloud, "SUCCEEDED");
      expect(await certificateSerial(device.sessions.sessions[0]?.target.tls.certFile ?? "")).toBe(
        issuedSerial,
      );
      expect(await readFile(rotation.prev.certFile, "utf8")).toBe(pki.device.certPem);
      expect(cloud.requests.commits).toHaveLength(1);
    });

    it("finishes a promotion cut short between the certificate and the key", async () => {
      const rotation = await provisionedDir();
      const cloud = createFakeRotationCloud(pki, THING);
      cloud.answers.commit.push("silent");
      const crashed = await boot(cloud);
      await vi.waitFor(() => expect(cloud.requests.commits).toHaveLength(1));
      await crashed.stop();
      const newKey = await readFile(rotation.next.keyFile, "utf8");
      const progress = await readRotationProgress(rotation.stateFile);
      await writeFile(rotation.stateFile, JSON.stringify({ ...progress, step: "committed" }));
      // Only the certificate was moved when the power went.
      await rename(rotation.current.certFile, rotation.prev.certFile);
      await rename(rotation.next.certFile, rotation.current.certFile);

      await boot(cloud);
      await waitForStatus(cloud, "SUCCEEDED");
      expect(await readFile(rotation.current.keyFile, "utf8")).toBe(newKey);
      expect(await readFile(rotation.prev.keyFile, "utf8")).toBe(pki.device.keyPem);
      expect(await readFile(rotation.prev.certFile, "utf8")).toBe(pki.device.certPem);
    });
  });
});

function publicKeyOf(csrPem: string | undefined): string {
  const csr = new x509.Pkcs10CertificateRequest(csrPem ?? "");
  return Buffer.from(csr.publicKey.rawData).toString("hex");
}
