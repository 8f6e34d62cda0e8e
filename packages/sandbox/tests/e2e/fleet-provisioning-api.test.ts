import { readFile } from "node:fs/promises";
import {
  createCertificateFromCsrTopics,
  registerThingTopics,
  SERIAL_ATTRIBUTE,
} from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { x509 } from "../../src/local-ca/x509.ts";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";
import {
  type ClientCredentials,
  nextMessage,
  recordMessages,
  startTestSandbox,
} from "./sandbox-fixture.ts";

const csrTopics = createCertificateFromCsrTopics();

describe("fleet provisioning MQTT API", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let claim: ClientCredentials;
  let provision: ReturnType<typeof registerThingTopics>;

  /** A claim session subscribed to both APIs' replies, as a device must be before it publishes. */
  async function claimSession(serial: string): Promise<MqttClient> {
    const client = await env.connect(claim, `claim-${serial}`);
    await client.subscribeAsync(
      [csrTopics.accepted, csrTopics.rejected, provision.accepted, provision.rejected],
      { qos: 1 },
    );
    return client;
  }

  /** Publishes `payload` and returns the reply's topic and parsed payload. */
  async function request(client: MqttClient, topic: string, payload: unknown) {
    const reply = new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) =>
      client.once("message", (received, message) =>
        resolve({ topic: received, body: JSON.parse(message.toString()) }),
      ),
    );
    await client.publishAsync(
      topic,
      typeof payload === "string" ? payload : JSON.stringify(payload),
      {
        qos: 1,
      },
    );
    return reply;
  }

  async function certificateFor(client: MqttClient, commonName: string) {
    const { csrPem, keyPem } = await deviceKeyAndCsr(commonName);
    const reply = await request(client, csrTopics.request, { certificateSigningRequest: csrPem });
    expect(reply.topic).toBe(csrTopics.accepted);
    return {
      ...(reply.body as {
        certificateId: string;
        certificatePem: string;
        certificateOwnershipToken: string;
      }),
      keyPem,
    };
  }

  beforeAll(async () => {
    env = await startTestSandbox("provisioning-api");
    const { sandbox } = env;
    claim = {
      ca: sandbox.caCertPem,
      cert: await readFile(sandbox.claim.certFile, "utf8"),
      key: await readFile(sandbox.claim.keyFile, "utf8"),
    };
    provision = registerThingTopics(sandbox.claim.templateName);
    await sandbox.uploadAllowList(new TextEncoder().encode("SN-API-0001\nSN-API-0002\n"), {
      allowEmpty: false,
    });
  });

  afterAll(() => env.stop());

  it("provisions a thing from a CSR: PENDING_ACTIVATION, then ACTIVE with the template applied", async () => {
    const client = await claimSession("SN-API-0001");
    const created = await certificateFor(client, "SN-API-0001");
    expect(env.sandbox.registry.describeCertificate(created.certificateId).status).toBe(
      "PENDING_ACTIVATION",
    );
    expect(new x509.X509Certificate(created.certificatePem).subject).toBe("CN=SN-API-0001");

    const reply = await request(client, provision.request, {
      certificateOwnershipToken: created.certificateOwnershipToken,
      parameters: { SerialNumber: "SN-API-0001" },
    });
    expect(reply).toEqual({
      topic: provision.accepted,
      body: { thingName: "SN-API-0001", deviceConfiguration: {} },
    });
    const { registry } = env.sandbox;
    expect(registry.describeCertificate(created.certificateId).status).toBe("ACTIVE");
    expect(registry.describeThing("SN-API-0001").attributes).toEqual({
      [SERIAL_ATTRIBUTE]: "SN-API-0001",
    });
    expect(registry.listPrincipalThings(created.certificateId)).toEqual(["SN-API-0001"]);
    expect(registry.listThingGroupsForThing("SN-API-0001")).toEqual(["fleet-sandbox-devices"]);

    const device = await env.connect(
      { ca: env.sandbox.caCertPem, cert: created.certificatePem, key: created.keyPem },
      "SN-API-0001",
    );
    expect(device.connected).toBe(true);
  });

  it("replies to the requesting client only: another claim holder never sees the certificate", async () => {
    const first = await claimSession("SN-API-0003");
    const second = await claimSession("SN-API-0004");
    const seenBySecond = recordMessages(second);
    const firstCertificate = await certificateFor(first, "SN-API-0003");
    const secondCertificate = await certificateFor(second, "SN-API-0004");
    // The second client's own reply came after the first's: had it been sent both, it would show.
    expect(seenBySecond.map((message) => JSON.parse(message.payload).certificateId)).toEqual([
      secondCertificate.certificateId,
    ]);
    expect(firstCertificate.certificateId).not.toBe(secondCertificate.certificateId);
  });

  it("rejects a CSR that is not one with 400 InvalidCSR, and a payload that is not JSON with 400 InvalidPayload", async () => {
    const client = await claimSession("SN-API-0005");
    const notACsr = await request(client, csrTopics.request, {
      certificateSigningRequest: "hello",
    });
    expect(notACsr).toMatchObject({
      topic: csrTopics.rejected,
      body: { statusCode: 400, errorCode: "InvalidCSR" },
    });
    const garbled = `-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n`;
    const badCsr = await request(client, csrTopics.request, { certificateSigningRequest: garbled });
    expect(badCsr.body).toMatchObject({ statusCode: 400, errorCode: "InvalidCSR" });
    const notJson = await request(client, csrTopics.request, "{not json");
    expect(notJson.body).toMatchObject({ statusCode: 400, errorCode: "InvalidPayload" });
  });

  it("rejects a CSR whose subject CN is not a serial with 400 InvalidCSR, registering nothing", async () => {
    const client = await claimSession("SN-API-0009");
    const before = env.sandbox.registry.listCertificates().length;
    const { csrPem } = await deviceKeyAndCsr("AWS IoT Certificate");

    const reply = await request(client, csrTopics.request, { certificateSigningRequest: csrPem });

    expect(reply).toMatchObject({
      topic: csrTopics.rejected,
      body: { statusCode: 400, errorCode: "InvalidCSR" },
    });
    expect(reply.body.errorMessage).toContain(
      'subject CN "AWS IoT Certificate" is not a valid serial',
    );
    expect(env.sandbox.registry.listCertificates()).toHaveLength(before);
  });

  it("rejects RegisterThing with an empty or unknown ownership token (400 InvalidCertificateOwnershipToken)", async () => {
    const client = await claimSession("SN-API-0006");
    const empty = await request(client, provision.request, { certificateOwnershipToken: "" });
    expect(empty).toEqual({
      topic: provision.rejected,
      body: {
        statusCode: 400,
        errorCode: "InvalidCertificateOwnershipToken",
        errorMessage: "Certificate ownership token cannot be empty.",
      },
    });
    const unknown = await request(client, provision.request, {
      certificateOwnershipToken: "bm90IGEgdG9rZW4=",
      parameters: { SerialNumber: "SN-API-0002" },
    });
    expect(unknown.body).toMatchObject({
      statusCode: 400,
      errorCode: "InvalidCertificateOwnershipToken",
    });
  });

  it("denies a CSR whose subject is not the serial (403 AccessDenied with the hook's reason)", async () => {
    const client = await claimSession("SN-API-0002");
    const created = await certificateFor(client, "SN-API-0001");
    const reply = await request(client, provision.request, {
      certificateOwnershipToken: created.certificateOwnershipToken,
      parameters: { SerialNumber: "SN-API-0002" },
    });
    expect(reply).toMatchObject({
      topic: provision.rejected,
      body: { statusCode: 403, errorCode: "AccessDenied" },
    });
    expect(reply.body.errorMessage).toContain(
      'certificate subject CN "SN-API-0001" is not the serial "SN-API-0002"',
    );
    expect(env.sandbox.registry.findThing("SN-API-0002")).toBeUndefined();
    expect(env.sandbox.registry.describeCertificate(created.certificateId).status).toBe(
      "PENDING_ACTIVATION",
    );
  });

  it("denies RegisterThing without the SerialNumber parameter", async () => {
    const client = await claimSession("SN-API-0007");
    const created = await certificateFor(client, "SN-API-0007");
    const reply = await request(client, provision.request, {
      certificateOwnershipToken: created.certificateOwnershipToken,
    });
    expect(reply.body).toMatchObject({ statusCode: 403, errorCode: "AccessDenied" });
    expect(reply.body.errorMessage).toContain("missing parameter SerialNumber");
  });

  it("sends no reply to a client that did not subscribe to the reply topic", async () => {
    const client = await env.connect(claim, "claim-SN-API-0008");
    const received = recordMessages(client);
    await client.publishAsync(
      csrTopics.request,
      JSON.stringify({ certificateSigningRequest: "x" }),
      {
        qos: 1,
      },
    );
    await client.subscribeAsync(csrTopics.rejected, { qos: 1 });
    const reply = nextMessage(client, csrTopics.rejected);
    await client.publishAsync(csrTopics.request, "{}", { qos: 1 });
    expect(JSON.parse(await reply)).toMatchObject({ errorCode: "InvalidPayload" });
    // The first request's reply would have come first: only the second one arrived.
    expect(received).toHaveLength(1);
  });
});
