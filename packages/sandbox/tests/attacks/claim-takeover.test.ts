// Issue 14, attack 1: claim takeover. Anyone holding the claim certificate baked into every
// image registered an already provisioned, allow-listed serial with a key of their own: the
// thing got a second ACTIVE certificate, the attacker connected as the device (the real one
// was dropped as a duplicate client id) and read its jobs. The pre-provisioning hook now
// refuses a serial whose thing still has a usable certificate. Over real mutual TLS.
import { readFile } from "node:fs/promises";
import {
  createCertificateFromCsrTopics,
  jobsTopics,
  registerThingTopics,
} from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";
import {
  type ClientCredentials,
  connectClient,
  recordMessages,
  startTestSandbox,
} from "../e2e/sandbox-fixture.ts";

const csrTopics = createCertificateFromCsrTopics();
const VICTIM = "SN-TAKE-A001";
type Reply = { topic: string; body: Record<string, unknown> };

describe("attack: claim takeover of a provisioned serial", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let claim: ClientCredentials;
  let provision: ReturnType<typeof registerThingTopics>;

  async function claimSession(clientId: string): Promise<MqttClient> {
    const client = await env.connect(claim, clientId);
    await client.subscribeAsync(
      [csrTopics.accepted, csrTopics.rejected, provision.accepted, provision.rejected],
      { qos: 1 },
    );
    return client;
  }

  async function request(client: MqttClient, topic: string, payload: unknown): Promise<Reply> {
    const reply = new Promise<Reply>((resolve) =>
      client.once("message", (received, message) =>
        resolve({ topic: received, body: JSON.parse(message.toString()) }),
      ),
    );
    await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
    return reply;
  }

  /** Runs both steps of provisioning by claim for `serial` with a fresh key. */
  async function register(clientId: string, serial: string) {
    const client = await claimSession(clientId);
    const { csrPem, keyPem } = await deviceKeyAndCsr(serial);
    const created = await request(client, csrTopics.request, { certificateSigningRequest: csrPem });
    expect(created.topic).toBe(csrTopics.accepted);
    const { certificateId, certificatePem, certificateOwnershipToken } = created.body as {
      certificateId: string;
      certificatePem: string;
      certificateOwnershipToken: string;
    };
    const registered = await request(client, provision.request, {
      certificateOwnershipToken,
      parameters: { SerialNumber: serial },
    });
    await client.endAsync(true);
    return {
      registered,
      certificateId,
      credentials: { ...claim, cert: certificatePem, key: keyPem },
    };
  }

  beforeAll(async () => {
    env = await startTestSandbox("claim-takeover");
    const { sandbox } = env;
    claim = {
      ca: sandbox.caCertPem,
      cert: await readFile(sandbox.claim.certFile, "utf8"),
      key: await readFile(sandbox.claim.keyFile, "utf8"),
    };
    provision = registerThingTopics(sandbox.claim.templateName);
    await sandbox.uploadAllowList(Buffer.from(`serial\n${VICTIM}\n`), { allowEmpty: false });
  });

  afterAll(() => env.stop());

  it("refuses RegisterThing for the serial with the hook's reason; the device stays connected and its jobs unread", async () => {
    const device = await register(`claim-${VICTIM}`, VICTIM);
    expect(device.registered.topic).toBe(provision.accepted);
    const real = await env.connect(device.credentials, VICTIM);
    const jobs = jobsTopics(VICTIM);
    await real.subscribeAsync(jobs.notifyNext, { qos: 1 });
    const disconnects: string[] = [];
    env.sandbox.events.on("client-disconnected", (event) => disconnects.push(event.clientId));

    // The attacker holds the claim certificate and the serial (printed on the board's label).
    const attack = await register("claim-attacker", VICTIM);

    expect(attack.registered.topic).toBe(provision.rejected);
    expect(attack.registered.body).toMatchObject({ statusCode: 403, errorCode: "AccessDenied" });
    expect(String(attack.registered.body.errorMessage)).toContain(
      `thing ${VICTIM} already has a usable certificate (${device.certificateId})`,
    );
    // The attacker's certificate never became the thing's: not ACTIVE, not attached.
    const { registry } = env.sandbox;
    expect(registry.describeCertificate(attack.certificateId).status).not.toBe("ACTIVE");
    expect(registry.listThingPrincipals(VICTIM)).toEqual([device.certificateId]);
    // Connecting as the device with it is refused.
    await expect(connectClient(env.sandbox, attack.credentials, VICTIM)).rejects.toThrow(
      /Not authorized/i,
    );

    // The real device still holds its session and alone receives its jobs.
    const received = recordMessages(real);
    await env.sandbox.jobs.createJob({ jobId: "after-attack", document: {}, targets: [VICTIM] });
    await expect.poll(() => received.map((m) => m.topic)).toContain(jobs.notifyNext);
    expect(real.connected).toBe(true);
    expect(disconnects).not.toContain(VICTIM);
    expect(env.sandbox.sessions.has(VICTIM)).toBe(true);
  });

  it("lets the serial provision again after an operator reset, which revokes the old certificate", async () => {
    const before = env.sandbox.registry.listThingPrincipals(VICTIM);
    const reset = await env.sandbox.resetDevice(VICTIM);
    expect(reset).toEqual({ serial: VICTIM, thingName: VICTIM, revoked: before });
    for (const certificateId of before) {
      expect(env.sandbox.registry.describeCertificate(certificateId).status).toBe("REVOKED");
    }

    const replacement = await register(`claim-${VICTIM}`, VICTIM);
    expect(replacement.registered.topic).toBe(provision.accepted);
    const back = await env.connect(replacement.credentials, VICTIM);
    expect(back.connected).toBe(true);
    const view = (await env.sandbox.listDevices()).find((each) => each.serial === VICTIM);
    expect(view).toMatchObject({ state: "provisioned", certificateId: replacement.certificateId });
  });
});
