import { X509Certificate } from "node:crypto";
import type { RotationRecord } from "@fleet/core";
import {
  ROTATE_CERTIFICATE_JOB_DOCUMENT,
  RotationRejectedSchema,
  rotationTopics,
} from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { deviceKeyAndCsr } from "../device-key-and-csr.ts";
import { apiFetch } from "./api-fetch.ts";
import {
  type ClientCredentials,
  connectClient,
  nextMessage,
  startTestSandbox,
  waitFor,
} from "./sandbox-fixture.ts";

const ROTATION_TIMEOUT_MS = 5 * 60_000;

/**
 * A device scripted over mqtt.js doing the rotation protocol by hand: CSR over its old
 * certificate, commit over the new one.
 */
describe("certificate rotation in the sandbox", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  /** Added to the rotation clock: moves deadlines into the past without waiting. */
  let clockOffsetMs = 0;

  beforeAll(async () => {
    env = await startTestSandbox("rotation", {
      rotationTimeoutMs: ROTATION_TIMEOUT_MS,
      auditIntervalMs: 100,
      // An audit every few hundred ms makes control-plane calls for every thing each time: lift
      // the limit so it does not pace the rotations under test (bench/ measures the limit).
      controlPlaneCallsPerSecond: 1000,
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  /** A session acting as the thing, subscribed to its rotation replies. */
  async function session(credentials: ClientCredentials, thingName: string): Promise<MqttClient> {
    const client = await env.connect(credentials, thingName);
    await client.subscribeAsync(`rot/${thingName}/+/+`, { qos: 1 });
    return client;
  }

  async function request(
    client: MqttClient,
    topic: string,
    replyTopics: { accepted: string; rejected: string },
    payload: unknown,
  ): Promise<{ outcome: "accepted" | "rejected"; body: Record<string, unknown> }> {
    const reply = Promise.race([
      nextMessage(client, replyTopics.accepted).then((text) => ({
        outcome: "accepted" as const,
        body: JSON.parse(text),
      })),
      nextMessage(client, replyTopics.rejected).then((text) => ({
        outcome: "rejected" as const,
        body: RotationRejectedSchema.parse(JSON.parse(text)),
      })),
    ]);
    await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
    return reply;
  }

  function sendCsr(client: MqttClient, thingName: string, payload: unknown) {
    const topics = rotationTopics(thingName);
    return request(
      client,
      topics.csr,
      { accepted: topics.csrAccepted, rejected: topics.csrRejected },
      payload,
    );
  }

  function sendCommit(client: MqttClient, thingName: string, payload: unknown) {
    const topics = rotationTopics(thingName);
    return request(
      client,
      topics.commit,
      { accepted: topics.commitAccepted, rejected: topics.commitRejected },
      payload,
    );
  }

  async function rotation(rotationId: string): Promise<RotationRecord | undefined> {
    return (await env.sandbox.listRotations()).find((each) => each.rotationId === rotationId);
  }

  it("moves a device to a new certificate and retires the old one", async () => {
    const { device, credentials } = await env.enroll("SN-ROT-0001");
    const { thingName } = device;
    const oldSession = await session(credentials, thingName);

    const started = await env.sandbox.startRotation(thingName);
    expect(started).toMatchObject({
      thingName,
      oldCertificateId: device.certificateId,
      step: "requested",
    });
    expect(await env.sandbox.startRotation(thingName)).toEqual(started);
    const { rotationId } = started;
    // The job id names the rotation; its document is the same for every rotation.
    expect(started.jobId).toBe(rotationId);
    expect(env.sandbox.jobs.describeJob(rotationId).document).toEqual(
      ROTATE_CERTIFICATE_JOB_DOCUMENT,
    );

    const { csrPem, keyPem } = await deviceKeyAndCsr(thingName);
    const accepted = await sendCsr(oldSession, thingName, {
      rotationId,
      certificateSigningRequest: csrPem,
    });
    expect(accepted.outcome).toBe("accepted");
    const certificatePem = accepted.body.certificatePem as string;
    expect(new X509Certificate(certificatePem).subject).toBe(`CN=${thingName}`);
    const issued = await rotation(rotationId);
    expect(issued?.step).toBe("issued");
    const newCertificateId = issued?.newCertificateId ?? "";
    expect(env.sandbox.registry.findCertificate(newCertificateId)?.status).toBe("ACTIVE");

    // A repeated CSR gets the same certificate: no second one is made.
    const again = await sendCsr(oldSession, thingName, {
      rotationId,
      certificateSigningRequest: csrPem,
    });
    expect(again).toEqual(accepted);
    expect(env.sandbox.registry.listThingPrincipals(thingName)).toHaveLength(2);

    const overOld = await sendCommit(oldSession, thingName, { rotationId });
    expect(overOld.body).toMatchObject({ errorCode: "CommitNotOverNewCertificate" });
    await oldSession.endAsync();

    const newCredentials = { ca: credentials.ca, cert: certificatePem, key: keyPem };
    const newSession = await session(newCredentials, thingName);
    const committed = await sendCommit(newSession, thingName, { rotationId });
    expect(committed).toEqual({ outcome: "accepted", body: { rotationId } });
    expect((await rotation(rotationId))?.step).toBe("committed");
    expect(env.sandbox.registry.findCertificate(device.certificateId)).toBeUndefined();
    expect(env.sandbox.registry.listThingPrincipals(thingName)).toEqual([newCertificateId]);
    expect(env.sandbox.ca.isRevoked(new X509Certificate(credentials.cert).serialNumber)).toBe(true);

    await expect(connectClient(env.sandbox, credentials, thingName)).rejects.toMatchObject({
      message: "Connection refused: Not authorized",
    });

    const replayed = await sendCommit(newSession, thingName, { rotationId });
    expect(replayed.body).toMatchObject({ rotationId, errorCode: "AlreadyCommitted" });
  });

  it("refuses a CSR sent over another certificate than the one being replaced", async () => {
    const { device } = await env.enroll("SN-ROT-0002");
    const { rotationId } = await env.sandbox.startRotation(device.thingName);
    // A second certificate of the same thing, not the one the rotation replaces.
    const other = await env.enroll("SN-ROT-0002-B");
    await env.sandbox.registry.attachThingPrincipal(device.thingName, other.device.certificateId);
    const client = await session(other.credentials, device.thingName);
    const { csrPem } = await deviceKeyAndCsr(device.thingName);
    const reply = await sendCsr(client, device.thingName, {
      rotationId,
      certificateSigningRequest: csrPem,
    });
    expect(reply.body).toMatchObject({ rotationId, errorCode: "NotOverOldCertificate" });
  });

  it("sweeps a stalled rotation: the new certificate goes, the old one keeps working", async () => {
    const { device, credentials } = await env.enroll("SN-ROT-0003");
    const { thingName } = device;
    const client = await session(credentials, thingName);
    const started = await env.sandbox.startRotation(thingName);
    const { csrPem } = await deviceKeyAndCsr(thingName);
    const accepted = await sendCsr(client, thingName, {
      rotationId: started.rotationId,
      certificateSigningRequest: csrPem,
    });
    expect(accepted.outcome).toBe("accepted");
    const newCertificateId = (await rotation(started.rotationId))?.newCertificateId ?? "";

    clockOffsetMs = ROTATION_TIMEOUT_MS + 60_000;
    const jobId = started.jobId ?? "";
    try {
      // Cancelling the job is the sweep's last action.
      await waitFor("the sweep", async () =>
        env.sandbox.jobs.describeJobExecution(jobId, thingName).status === "CANCELED"
          ? true
          : undefined,
      );
    } finally {
      clockOffsetMs = 0;
    }
    const swept = await rotation(started.rotationId);
    expect(swept).toMatchObject({ step: "timed-out", reason: expect.stringMatching(/deadline/) });
    expect(env.sandbox.registry.findCertificate(newCertificateId)).toBeUndefined();
    expect(env.sandbox.registry.findCertificate(device.certificateId)?.status).toBe("ACTIVE");
    await client.endAsync();
    const reconnected = await env.connect(credentials, thingName);
    expect(reconnected.connected).toBe(true);
  });

  describe("HTTP API", () => {
    async function post(body: unknown): Promise<{ status: number; json: unknown }> {
      const response = await apiFetch(api, `/v1/rotations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    }

    it("starts a device's rotation and lists it", async () => {
      const { device } = await env.enroll("SN-ROT-API-1");
      const { status, json } = await post({ device: device.thingName });
      expect(status).toBe(200);
      const [record] = json as RotationRecord[];
      expect(record).toMatchObject({ thingName: device.thingName, step: "requested" });
      const listed = (await (await apiFetch(api, `/v1/rotations`)).json()) as RotationRecord[];
      expect(listed.map((each) => each.rotationId)).toContain(record?.rotationId);
    });

    it("starts rotations of the devices whose certificate expires within the window", async () => {
      const { device: soon } = await env.sandbox
        .enrollDevice("SN-ROT-API-SOON", `${env.dir}/devices/soon`, { validityMs: 3600_000 })
        .then((enrolled) => ({ device: enrolled }));
      const { status, json } = await post({ expiringWithinMs: 2 * 3600_000 });
      expect(status).toBe(200);
      expect((json as RotationRecord[]).map((each) => each.thingName)).toEqual([soon.thingName]);
    });

    it("answers 400 for a body naming neither a device nor a window, 404 for an unknown device", async () => {
      expect((await post({ device: "x", expiringWithinMs: 1 })).status).toBe(400);
      expect((await post({ expiringWithinMs: -1 })).status).toBe(400);
      expect((await post({ device: "no-such-device" })).status).toBe(404);
    });
  });
});
