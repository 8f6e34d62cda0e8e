// Issue 14, item 8 and the review's claim attacks: what anyone holding the claim certificate
// baked into every image can do with the fleet provisioning API, over real mutual TLS.
import { readFile } from "node:fs/promises";
import { createCertificateFromCsrTopics, registerThingTopics } from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";
import { type ClientCredentials, startTestSandbox, waitFor } from "../e2e/sandbox-fixture.ts";

const csrTopics = createCertificateFromCsrTopics();
const HOUR_MS = 3600_000;
type Reply = { topic: string; body: Record<string, unknown> };

describe("claim certificate abuse", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let claim: ClientCredentials;
  let provision: ReturnType<typeof registerThingTopics>;
  /** The sandbox's clock runs ahead of the wall clock by this much (the token TTL test). */
  let clockOffsetMs = 0;

  /** A claim session subscribed to both APIs' replies, recording them in order. */
  async function claimSession(clientId: string): Promise<{ client: MqttClient; replies: Reply[] }> {
    const client = await env.connect(claim, clientId);
    await client.subscribeAsync(
      [csrTopics.accepted, csrTopics.rejected, provision.accepted, provision.rejected],
      { qos: 1 },
    );
    const replies: Reply[] = [];
    client.on("message", (topic, payload) =>
      replies.push({ topic, body: JSON.parse(payload.toString()) }),
    );
    return { client, replies };
  }

  /** Publishes each payload at once, then waits for as many replies. */
  async function send(
    session: { client: MqttClient; replies: Reply[] },
    topic: string,
    payloads: unknown[],
  ): Promise<Reply[]> {
    const from = session.replies.length;
    await Promise.all(
      payloads.map((payload) => session.client.publishAsync(topic, JSON.stringify(payload))),
    );
    await waitFor(`${payloads.length} replies`, async () =>
      session.replies.length >= from + payloads.length ? true : undefined,
    );
    return session.replies.slice(from, from + payloads.length);
  }

  async function csrRequest(serial: string) {
    const { csrPem, keyPem } = await deviceKeyAndCsr(serial);
    return { payload: { certificateSigningRequest: csrPem }, keyPem };
  }

  /** A real device's whole exchange: its certificate, ACTIVE on its thing, and it connects. */
  async function provisionDevice(serial: string) {
    const session = await claimSession(`claim-${serial}`);
    const { payload, keyPem } = await csrRequest(serial);
    const [created] = await send(session, csrTopics.request, [payload]);
    expect(created?.topic).toBe(csrTopics.accepted);
    const { certificateId, certificatePem, certificateOwnershipToken } = (created?.body ?? {}) as {
      certificateId: string;
      certificatePem: string;
      certificateOwnershipToken: string;
    };
    const register = { certificateOwnershipToken, parameters: { SerialNumber: serial } };
    const [registered] = await send(session, provision.request, [register]);
    expect(registered).toMatchObject({ topic: provision.accepted, body: { thingName: serial } });
    const device = await env.connect({ ca: claim.ca, cert: certificatePem, key: keyPem }, serial);
    expect(device.connected).toBe(true);
    return { session, certificateId, register };
  }

  const pending = () =>
    env.sandbox.registry.listCertificates().filter((c) => c.status === "PENDING_ACTIVATION");

  beforeAll(async () => {
    env = await startTestSandbox("attack-claim", {
      // The CA would otherwise pace 200 signatures at a stage's 10 a second.
      controlPlaneCallsPerSecond: 1_000,
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
    const { sandbox } = env;
    claim = {
      ca: sandbox.caCertPem,
      cert: await readFile(sandbox.claim.certFile, "utf8"),
      key: await readFile(sandbox.claim.keyFile, "utf8"),
    };
    provision = registerThingTopics(sandbox.claim.templateName);
    await sandbox.uploadAllowList(new TextEncoder().encode("SN-REAL-0001\nSN-REAL-0002\n"), {
      allowEmpty: false,
    });
  });

  afterAll(() => env.stop());

  it("throttles a claim client flooding CreateCertificateFromCsr with 429, and a real device still provisions", async () => {
    const flooder = await claimSession("claim-flood");
    const requests = await Promise.all(
      Array.from({ length: 40 }, (_, index) => csrRequest(`SN-FLOOD-${index}`)),
    );
    const before = pending().length;

    const replies = await send(
      flooder,
      csrTopics.request,
      requests.map((request) => request.payload),
    );

    const throttled = replies.filter((reply) => reply.topic === csrTopics.rejected);
    expect(throttled.length).toBeGreaterThanOrEqual(29);
    expect(throttled[0]?.body).toMatchObject({ statusCode: 429, errorCode: "ThrottlingException" });
    expect(String(throttled[0]?.body.errorMessage)).toContain("claim-flood");
    expect(pending().length - before).toBeLessThanOrEqual(11);
    const { certificateId } = await provisionDevice("SN-REAL-0001");
    expect(env.sandbox.registry.describeCertificate(certificateId).status).toBe("ACTIVE");
  });

  it("refuses a CSR naming another serial than the one registered (403, nothing activated)", async () => {
    const session = await claimSession("claim-SN-REAL-0002");
    const { payload } = await csrRequest("SN-REAL-0001");
    const [created] = await send(session, csrTopics.request, [payload]);
    const { certificateId, certificateOwnershipToken } = (created?.body ?? {}) as {
      certificateId: string;
      certificateOwnershipToken: string;
    };
    const [reply] = await send(session, provision.request, [
      { certificateOwnershipToken, parameters: { SerialNumber: "SN-REAL-0002" } },
    ]);

    expect(reply).toMatchObject({
      topic: provision.rejected,
      body: { statusCode: 403, errorCode: "AccessDenied" },
    });
    expect(env.sandbox.registry.describeCertificate(certificateId).status).toBe(
      "PENDING_ACTIVATION",
    );
    expect(env.sandbox.registry.findThing("SN-REAL-0002")).toBeUndefined();
    expect(env.sandbox.registry.listThingPrincipals("SN-REAL-0001")).not.toContain(certificateId);
  });

  it("refuses a replayed ownership token: a second RegisterThing with a used token is 400", async () => {
    const { session, certificateId, register } = await provisionDevice("SN-REAL-0002");
    const attacker = await claimSession("claim-replayer");

    const [own] = await send(session, provision.request, [register]);
    const [foreign] = await send(attacker, provision.request, [register]);

    for (const reply of [own, foreign]) {
      expect(reply).toMatchObject({
        topic: provision.rejected,
        body: { statusCode: 400, errorCode: "InvalidCertificateOwnershipToken" },
      });
    }
    expect(env.sandbox.registry.listThingPrincipals("SN-REAL-0002")).toEqual([certificateId]);
  });

  it("leaves none of 200 unfinished CreateCertificateFromCsr certificates once their tokens expired", async () => {
    const before = pending().length;
    for (let batch = 0; batch < 20; batch += 1) {
      const session = await claimSession(`claim-abandon-${batch}`);
      const requests = await Promise.all(
        Array.from({ length: 10 }, (_, index) => csrRequest(`SN-ABANDON-${batch}-${index}`)),
      );
      const replies = await send(
        session,
        csrTopics.request,
        requests.map((request) => request.payload),
      );
      expect(replies.every((reply) => reply.topic === csrTopics.accepted)).toBe(true);
    }
    expect(pending().length - before).toBe(200);
    const active = env.sandbox.registry
      .listCertificates()
      .filter((certificate) => certificate.status === "ACTIVE");

    clockOffsetMs = HOUR_MS + 1_000;
    // Any later provisioning request sweeps (as does the sandbox's periodic audit).
    const late = await claimSession("claim-late");
    const [reply] = await send(late, provision.request, [
      { certificateOwnershipToken: "bm90IGEgdG9rZW4=", parameters: { SerialNumber: "SN-X" } },
    ]);

    expect(reply?.body).toMatchObject({ errorCode: "InvalidCertificateOwnershipToken" });
    expect(pending()).toEqual([]);
    expect(
      env.sandbox.registry
        .listCertificates()
        .filter((certificate) => certificate.status === "ACTIVE"),
    ).toEqual(active);
    expect(env.sandbox.registry.findThing("SN-REAL-0001")).toBeDefined();
  });
});
