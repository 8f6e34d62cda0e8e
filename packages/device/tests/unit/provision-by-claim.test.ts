import "reflect-metadata";
import { createPublicKey } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createCredentialStore } from "../../src/provisioning/credential-store.ts";
import { generateDeviceKeyPem } from "../../src/provisioning/key-material.ts";
import {
  createProvisioner,
  type ProvisioningFailure,
} from "../../src/provisioning/provision-by-claim.ts";
import type { ProvisioningState } from "../../src/provisioning/provisioning-state.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeCloud, HOOK_DENIED, TEMPLATE } from "../support/fake-cloud.ts";
import { createFakeSessions, type FakeSession } from "../support/fake-sessions.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const SERIAL = "SRX-0001";
const REPLY_TIMEOUT_MS = 5_000;

describe("provisioning by claim", () => {
  let pki: TestPki;
  let dir: string;
  beforeAll(async () => {
    pki = await createTestPki(SERIAL);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-provision-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = () => ({
    certFile: join(dir, "creds/cert.pem"),
    keyFile: join(dir, "creds/key.pem"),
  });

  function setUp(options: { onOpen?: (session: FakeSession, index: number) => void } = {}) {
    const cloud = createFakeCloud(pki);
    const time = createFakeTime();
    const capture = createCaptureLogger();
    let opened = 0;
    const subscribedAtPublish: number[] = [];
    const fakes = createFakeSessions({
      onPublish: (session, topic, payload) => {
        subscribedAtPublish.push(session.subscribed.length);
        cloud.onPublish(session, topic, payload);
      },
      onOpen: (session) => {
        const index = opened++;
        if (options.onOpen) options.onOpen(session, index);
        else session.accept();
      },
    });
    const states: ProvisioningState[] = [];
    const failures: ProvisioningFailure[] = [];
    const provisioner = createProvisioner({
      serial: SERIAL,
      thingName: SERIAL,
      templateName: TEMPLATE,
      claimTarget: {
        clientId: `claim-${SERIAL}`,
        host: "127.0.0.1",
        port: 8883,
        tls: { caFile: "ca.pem", certFile: "claim.pem", keyFile: "claim.key" },
        keepaliveSeconds: 30,
        connectTimeoutMs: 1_000,
        closeTimeoutMs: 1_000,
      },
      replyTimeoutMs: REPLY_TIMEOUT_MS,
      retry: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
      store: createCredentialStore(files()),
      openSession: fakes.open,
      logger: capture.logger,
      timers: time.timers,
      random: () => 0.5,
      onState: (state) => states.push(state),
      onFailure: (failure) => failures.push(failure),
    });
    /** Waits until the provisioner sits in backoff, then lets the delay pass. */
    const retryAfterBackoff = async (count: number) => {
      await vi.waitFor(() => expect(states.filter((s) => s === "backoff")).toHaveLength(count));
      await time.advance(failures.at(-1)?.delayMs ?? 0);
    };
    return {
      cloud,
      time,
      capture,
      fakes,
      states,
      failures,
      provisioner,
      retryAfterBackoff,
      subscribedAtPublish,
    };
  }

  const csrPublicKey = (csrPem: string) =>
    Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).publicKey.rawData);
  const keyFilePublicKey = async () =>
    createPublicKey(await readFile(files().keyFile, "utf8")).export({
      type: "spki",
      format: "der",
    });

  it("registers the serial's thing and stores a certificate for the key it generated", async () => {
    const { cloud, fakes, states, provisioner, capture, subscribedAtPublish } = setUp();
    const result = await provisioner.run();

    const session = fakes.latest();
    expect(fakes.sessions).toHaveLength(1);
    expect(session.target.clientId).toBe("claim-SRX-0001");
    expect(session.target.tls).toEqual({
      caFile: "ca.pem",
      certFile: "claim.pem",
      keyFile: "claim.key",
    });
    // Every reply topic is subscribed before the first request goes out.
    expect(subscribedAtPublish).toEqual([4, 4]);
    expect(session.subscribed).toEqual([
      cloud.topics.csr.accepted,
      cloud.topics.csr.rejected,
      cloud.topics.register.accepted,
      cloud.topics.register.rejected,
    ]);
    expect(session.published.map((p) => [p.topic, p.qos])).toEqual([
      [cloud.topics.csr.request, 1],
      [cloud.topics.register.request, 1],
    ]);
    const [csrPem] = cloud.requests.csrs;
    expect(new x509.Pkcs10CertificateRequest(csrPem as string).subject).toBe("CN=SRX-0001");
    expect(cloud.requests.registrations).toEqual([
      { certificateOwnershipToken: "token-1", parameters: { SerialNumber: SERIAL } },
    ]);
    expect(session.closed).toBe(true);

    expect(result).toEqual({
      thingName: SERIAL,
      certificateId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(csrPublicKey(csrPem as string).equals(await keyFilePublicKey())).toBe(true);
    expect((await stat(files().certFile)).mode & 0o777).toBe(0o600);
    expect((await stat(files().keyFile)).mode & 0o777).toBe(0o600);
    expect(states).toEqual([
      "preparing-key",
      "connecting",
      "requesting-certificate",
      "registering-thing",
      "storing",
      "provisioned",
    ]);
    const output = JSON.stringify(capture.lines());
    expect(output).not.toContain("PRIVATE KEY");
    expect(output).not.toContain("CERTIFICATE");
    expect(output).not.toContain("token-1");
  });

  it("logs the errorCode and errorMessage of a rejected CreateCertificateFromCsr and retries", async () => {
    const { cloud, failures, provisioner, capture, retryAfterBackoff, fakes } = setUp();
    cloud.answers.csr.push({
      reject: { statusCode: 400, errorCode: "InvalidPayload", errorMessage: "bad CSR" },
    });
    const running = provisioner.run();
    await retryAfterBackoff(1);
    expect(await running).toMatchObject({ thingName: SERIAL });

    expect(failures).toEqual([
      {
        attempt: 0,
        step: "create-certificate",
        reason: "create-certificate rejected: 400 InvalidPayload: bad CSR",
        statusCode: 400,
        errorCode: "InvalidPayload",
        errorMessage: "bad CSR",
        delayMs: 500,
      },
    ]);
    expect(capture.lines().find((l) => l.msg === "provisioning.failed")).toMatchObject({
      level: 40,
      errorCode: "InvalidPayload",
      errorMessage: "bad CSR",
      delayMs: 500,
    });
    expect(fakes.sessions.map((s) => s.closed)).toEqual([true, true]);
  });

  it("keeps retrying a serial the hook denies, with growing backoff and the same key", async () => {
    const { cloud, failures, provisioner, capture, retryAfterBackoff } = setUp();
    cloud.answers.register.push({ reject: HOOK_DENIED }, { reject: HOOK_DENIED });
    const running = provisioner.run();
    await retryAfterBackoff(1);
    await retryAfterBackoff(2);
    expect(await running).toMatchObject({ thingName: SERIAL });

    expect(failures.map((f) => [f.step, f.errorCode, f.errorMessage, f.delayMs])).toEqual([
      ["register-thing", "AccessDenied", HOOK_DENIED.errorMessage, 500],
      ["register-thing", "AccessDenied", HOOK_DENIED.errorMessage, 1_000],
    ]);
    const denials = capture.lines().filter((l) => l.msg === "provisioning.failed");
    expect(denials.map((l) => l.errorMessage)).toEqual([
      HOOK_DENIED.errorMessage,
      HOOK_DENIED.errorMessage,
    ]);
    // Each attempt asks for a fresh certificate (the denied one's token is not reused) for
    // the one key stored before the first request.
    expect(cloud.requests.csrs).toHaveLength(3);
    const key = await keyFilePublicKey();
    for (const csr of cloud.requests.csrs) expect(csrPublicKey(csr).equals(key)).toBe(true);
    expect(cloud.requests.registrations.map((r) => r.certificateOwnershipToken)).toEqual([
      "token-1",
      "token-2",
      "token-3",
    ]);
  });

  it("gives up on a reply that never comes after the timeout and retries", async () => {
    const { cloud, time, states, failures, provisioner } = setUp();
    cloud.answers.register.push("silent");
    const running = provisioner.run();
    await vi.waitFor(() => expect(states.at(-1)).toBe("registering-thing"));
    await time.advance(REPLY_TIMEOUT_MS);
    await vi.waitFor(() => expect(states.at(-1)).toBe("backoff"));
    expect(failures[0]).toMatchObject({
      step: "register-thing",
      reason: `register-thing: no reply within ${REPLY_TIMEOUT_MS} ms`,
    });
    await time.advance(failures[0]?.delayMs ?? 0);
    expect(await running).toMatchObject({ thingName: SERIAL });
  });

  it("retries a claim connection the broker refuses", async () => {
    const { failures, provisioner, retryAfterBackoff } = setUp({
      onOpen: (session, index) => {
        if (index === 0)
          session.end({
            reason: "Connection refused: Not authorized",
            returnCode: 5,
            certificateRejected: true,
          });
        else session.accept();
      },
    });
    const running = provisioner.run();
    await retryAfterBackoff(1);
    expect(await running).toMatchObject({ thingName: SERIAL });
    expect(failures[0]).toMatchObject({
      step: "connect",
      reason: "claim connection failed: Connection refused: Not authorized (return code 5)",
    });
  });

  it("refuses a certificate that is not for the device key and stores nothing", async () => {
    const { cloud, failures, provisioner, retryAfterBackoff } = setUp();
    cloud.answers.csr.push({ certificatePem: pki.device.certPem });
    const running = provisioner.run();
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    expect(failures[0]).toMatchObject({ step: "create-certificate" });
    expect(failures[0]?.reason).toMatch(/is not for the device key$/);
    expect(cloud.requests.registrations).toHaveLength(0);
    await expect(stat(files().certFile)).rejects.toThrow(/ENOENT/);
    await retryAfterBackoff(1);
    await running;
  });

  it("resumes with the key an unfinished attempt stored instead of making a new one", async () => {
    const keyPem = await generateDeviceKeyPem();
    await createCredentialStore(files()).writeKey(keyPem);
    const { cloud, provisioner, capture } = setUp();
    await provisioner.run();
    expect(await readFile(files().keyFile, "utf8")).toBe(keyPem);
    expect(csrPublicKey(cloud.requests.csrs[0] as string).equals(await keyFilePublicKey())).toBe(
      true,
    );
    expect(capture.lines().some((l) => l.msg === "provisioning.resuming")).toBe(true);
  });

  it("ends with null when stopped while waiting to retry", async () => {
    const { cloud, provisioner, states, time } = setUp();
    cloud.answers.register.push({ reject: HOOK_DENIED });
    const running = provisioner.run();
    await vi.waitFor(() => expect(states.at(-1)).toBe("backoff"));
    await provisioner.stop();
    expect(await running).toBeNull();
    expect(time.pendingDelays()).toEqual([]);
  });
});
