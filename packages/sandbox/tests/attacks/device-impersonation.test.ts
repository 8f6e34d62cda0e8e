// Issue 14, the review's attacks that held: a device (or a holder of some other certificate)
// trying to act as another thing over real mutual TLS. Each test asserts what the attacker sees
// and that the victim, connected throughout, and its data were untouched. The e2e tests
// (topic-authorization, connect-refusals, jobs-api, rotation) cover the same mechanisms in
// depth; these name the attacks.
import { join } from "node:path";
import { connect } from "node:tls";
import {
  commandRequestFilter,
  jobsTopics,
  RotationRejectedSchema,
  rotationTopics,
  telemetryTopic,
} from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEventMap } from "../../src/index.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { openLocalCa } from "../../src/local-ca/local-ca.ts";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";
import {
  type ClientCredentials,
  connectClient,
  deviceCredentials,
  enrollBackend,
  nextEvent,
  nextMessage,
  recordMessages,
  startTestSandbox,
  whenClosed,
} from "../e2e/sandbox-fixture.ts";

const VICTIM = "SN-VICTIM-0001";
const ATTACKER = "SN-ATTACK-0001";

describe("a device acting as another thing", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let victim: MqttClient;
  let victimCertificateId: string;
  let attacker: ClientCredentials;
  /** What a backend subscribed to every device's telemetry received. */
  let telemetry: { topic: string; payload: string }[];

  /** A fresh attacker session (the broker closed the last one). */
  async function attackerSession(): Promise<MqttClient> {
    return env.connect(attacker, ATTACKER);
  }

  /** The attacker's session is closed by the broker after `attack`, with the denial event. */
  async function expectDisconnected<K extends "publish-denied" | "subscribe-denied">(
    kind: K,
    attack: (client: MqttClient) => void,
  ): Promise<SandboxEventMap[K][0]> {
    const client = await attackerSession();
    const denied = nextEvent(env.sandbox, kind, (event) => event.clientId === ATTACKER);
    const closed = whenClosed(client);
    attack(client);
    await closed;
    return denied;
  }

  function expectVictimUntouched() {
    expect(victim.connected).toBe(true);
    expect(env.sandbox.sessions.has(VICTIM)).toBe(true);
    expect(env.sandbox.registry.describeCertificate(victimCertificateId).status).toBe("ACTIVE");
    expect(env.sandbox.registry.listThingPrincipals(VICTIM)).toEqual([victimCertificateId]);
  }

  beforeAll(async () => {
    env = await startTestSandbox("attack-impersonation", { controlPlaneCallsPerSecond: 1_000 });
    const enrolled = await env.enroll(VICTIM);
    victimCertificateId = enrolled.device.certificateId;
    victim = await connectClient(env.sandbox, enrolled.credentials, VICTIM);
    attacker = (await env.enroll(ATTACKER)).credentials;
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-attacks");
    await backend.subscribeAsync("dt/+/telemetry", { qos: 1 });
    telemetry = recordMessages(backend);
  });

  afterAll(async () => {
    await victim.endAsync(true);
    await env.stop();
  });

  it("policy escape: publishing to another thing's telemetry disconnects the attacker, nothing is delivered", async () => {
    const denied = await expectDisconnected("publish-denied", (client) =>
      client.publish(telemetryTopic(VICTIM), '{"forged":true}', { qos: 1 }),
    );

    expect((await denied).topic).toBe(telemetryTopic(VICTIM));
    expect(telemetry).not.toContainEqual(
      expect.objectContaining({ topic: telemetryTopic(VICTIM) }),
    );
    expectVictimUntouched();
  });

  it("policy escape: subscribing to another thing's commands disconnects the attacker", async () => {
    const denied = await expectDisconnected("subscribe-denied", (client) =>
      client.subscribe(commandRequestFilter(VICTIM), { qos: 1 }, () => {}),
    );

    expect((await denied).topicFilter).toBe(commandRequestFilter(VICTIM));
    expectVictimUntouched();
  });

  for (const filter of ["dt/+/telemetry", "$aws/things/+/jobs/notify-next", "cmd/#"]) {
    it(`wildcard subscription to other things' topics is refused: ${filter}`, async () => {
      const denied = await expectDisconnected("subscribe-denied", (client) =>
        client.subscribe(filter, { qos: 1 }, () => {}),
      );

      expect((await denied).topicFilter).toBe(filter);
      expectVictimUntouched();
    });
  }

  it("job-document injection: a device cannot update another thing's job execution", async () => {
    const document = { operation: "reboot" };
    await env.sandbox.jobs.createJob({ jobId: "victim-job", document, targets: [VICTIM] });
    const own = jobsTopics(ATTACKER);
    const client = await attackerSession();
    await client.subscribeAsync(own.updateRejected("victim-job"), { qos: 1 });
    const rejected = nextMessage(client, own.updateRejected("victim-job"));
    await client.publishAsync(own.update("victim-job"), '{"status":"SUCCEEDED"}', { qos: 1 });
    expect(JSON.parse(await rejected)).toMatchObject({ code: "ResourceNotFound" });

    const denied = await expectDisconnected("publish-denied", (next) =>
      next.publish(jobsTopics(VICTIM).update("victim-job"), '{"status":"FAILED"}', { qos: 1 }),
    );

    expect((await denied).topic).toBe(jobsTopics(VICTIM).update("victim-job"));
    const execution = env.sandbox.jobs.describeJobExecution("victim-job", VICTIM);
    expect(execution).toMatchObject({ status: "QUEUED", versionNumber: 1 });
    expect(env.sandbox.jobs.describeJob("victim-job").document).toEqual(document);
    expectVictimUntouched();
  });

  it("client-id trick: connecting with another thing's client id is refused (CONNACK 5), the victim stays", async () => {
    const refused = nextEvent(env.sandbox, "connect-refused", (event) => event.clientId === VICTIM);

    await expect(connectClient(env.sandbox, attacker, VICTIM)).rejects.toMatchObject({ code: 5 });

    expect((await refused).reason).toContain(`client id ${VICTIM} is not the thing attached`);
    expectVictimUntouched();
  });

  it("TLS with a foreign CA's certificate is refused at the handshake", async () => {
    const otherCa = await openLocalCa(join(env.dir, "foreign-ca"));
    const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
    const forged = await otherCa.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName: VICTIM, validity: { durationMs: 3600_000 } },
    );
    const refused = nextEvent(env.sandbox, "tls-refused");

    const outcome = await tlsHandshake(env.sandbox.mqtt.port, {
      ca: env.sandbox.caCertPem,
      cert: forged.certificatePem,
      key: privateKeyPem,
    });

    expect(outcome.secured).toBe(false);
    expect((await refused).reason).toBe("TLS handshake refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expectVictimUntouched();
  });

  it("an expired certificate is refused at the handshake", async () => {
    const dir = join(env.dir, "devices", "SN-EXPIRED-0001");
    const device = await env.sandbox.enrollDevice("SN-EXPIRED-0001", dir, { validityMs: 1_000 });
    const credentials = await deviceCredentials(device);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const refused = nextEvent(env.sandbox, "tls-refused");

    const outcome = await tlsHandshake(env.sandbox.mqtt.port, credentials);

    expect(outcome.secured).toBe(false);
    expect((await refused).reason).toBe("TLS handshake refused: CERT_HAS_EXPIRED");
    expect(env.sandbox.sessions.has("SN-EXPIRED-0001")).toBe(false);
    expectVictimUntouched();
  });

  it("a revoked certificate is refused (CONNACK 5)", async () => {
    const { device, credentials } = await env.enroll("SN-REVOKED-0001");
    await env.sandbox.registry.updateCertificate(device.certificateId, "REVOKED");

    await expect(connectClient(env.sandbox, credentials, device.thingName)).rejects.toMatchObject({
      code: 5,
    });

    expect(env.sandbox.sessions.has(device.thingName)).toBe(false);
    expectVictimUntouched();
  });

  it("rotation replay: another thing's rotation CSR and commit are refused, the rotation untouched", async () => {
    const { rotationId } = await env.sandbox.startRotation(VICTIM);
    const topics = rotationTopics(ATTACKER);
    const client = await attackerSession();
    await client.subscribeAsync([topics.csrRejected, topics.commitRejected], { qos: 1 });
    const { csrPem } = await deviceKeyAndCsr(VICTIM);

    const csrRejected = nextMessage(client, topics.csrRejected);
    await client.publishAsync(
      topics.csr,
      JSON.stringify({ rotationId, certificateSigningRequest: csrPem }),
      { qos: 1 },
    );
    const commitRejected = nextMessage(client, topics.commitRejected);
    await client.publishAsync(topics.commit, JSON.stringify({ rotationId }), { qos: 1 });

    for (const reply of [await csrRejected, await commitRejected]) {
      expect(RotationRejectedSchema.parse(JSON.parse(reply))).toMatchObject({
        errorCode: "UnknownRotation",
      });
    }
    const record = (await env.sandbox.listRotations()).find(
      (each) => each.rotationId === rotationId,
    );
    expect(record).toMatchObject({ step: "requested", newCertificateId: null });
    expectVictimUntouched();
  });
});

/**
 * Whether a TLS 1.2 handshake with these credentials completes: Node's TLS server checks the
 * client certificate at the end of the handshake and drops the socket, so a TLS 1.2 client
 * sees the connection reset before it is secured (see e2e/connect-refusals).
 */
function tlsHandshake(port: number, credentials: ClientCredentials): Promise<{ secured: boolean }> {
  return new Promise((resolve) => {
    let secured = false;
    const socket = connect({ host: "127.0.0.1", port, maxVersion: "TLSv1.2", ...credentials });
    socket.once("secureConnect", () => {
      secured = true;
    });
    socket.once("error", () => {});
    socket.once("close", () => resolve({ secured }));
    socket.resume();
  });
}
