import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { openLocalCa } from "../../src/local-ca/local-ca.ts";
import { connectClient, nextEvent, startTestSandbox } from "./sandbox-fixture.ts";

describe("the broker refuses a connection", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("refusals");
  });
  afterAll(() => env.stop());

  for (const status of ["REVOKED", "INACTIVE"] as const) {
    it(`with CONNACK 5 when the certificate is ${status}`, async () => {
      const serial = `dev-${status.toLowerCase()}-01`;
      const { device, credentials } = await env.enroll(serial);
      await env.sandbox.registry.updateCertificate(device.certificateId, status);

      const refused = nextEvent(
        env.sandbox,
        "connect-refused",
        (e) => e.clientId === device.thingName,
      );
      await expect(connectClient(env.sandbox, credentials, device.thingName)).rejects.toMatchObject(
        {
          code: 5,
          message: "Connection refused: Not authorized",
        },
      );
      expect(await refused).toMatchObject({
        certificateId: device.certificateId,
        reason: `certificate ${device.certificateId} is ${status}`,
      });
    });
  }

  it("with CONNACK 5 when the client id is not the certificate's thing", async () => {
    const { device, credentials } = await env.enroll("dev-clientid-01");
    const refused = nextEvent(env.sandbox, "connect-refused", (e) => e.clientId === "someone-else");
    await expect(connectClient(env.sandbox, credentials, "someone-else")).rejects.toMatchObject({
      code: 5,
    });
    expect((await refused).reason).toBe(
      `client id someone-else is not the thing attached to certificate ${device.certificateId} (${device.thingName})`,
    );
  });

  it("with CONNACK 5 when the certificate was issued by the CA but never registered", async () => {
    const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
    const issued = await env.sandbox.ca.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName: "unregistered", validity: { durationMs: 3600_000 } },
    );
    const credentials = {
      ca: env.sandbox.caCertPem,
      cert: issued.certificatePem,
      key: privateKeyPem,
    };
    const refused = nextEvent(env.sandbox, "connect-refused", (e) => e.clientId === "unregistered");
    await expect(connectClient(env.sandbox, credentials, "unregistered")).rejects.toMatchObject({
      code: 5,
    });
    expect((await refused).reason).toBe(`certificate ${issued.certificateId} is not registered`);
  });

  it("at the TLS handshake when the certificate comes from another CA", async () => {
    const otherCa = await openLocalCa(join(env.dir, "other-ca"));
    const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
    const issued = await otherCa.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName: "impostor", validity: { durationMs: 3600_000 } },
    );
    // Registered or not, a certificate the broker's CA did not sign never reaches MQTT.
    await env.sandbox.registry.registerCertificate({
      certificatePem: issued.certificatePem,
      status: "ACTIVE",
    });
    const credentials = {
      ca: env.sandbox.caCertPem,
      cert: issued.certificatePem,
      key: privateKeyPem,
    };
    const refused = nextEvent(env.sandbox, "tls-refused");
    const outcome = await tlsHandshake(env.sandbox.mqtt.port, credentials);
    expect(outcome.secured).toBe(false);
    expect(outcome.error).toMatchObject({ code: "ECONNRESET" });
    expect((await refused).reason).toBe("TLS handshake refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(env.sandbox.sessions.has("impostor")).toBe(false);
  });
});

/**
 * Whether a TLS 1.2 handshake with these credentials completes, and the client's error. Node's
 * TLS server checks the client certificate at the end of the handshake and drops the socket
 * without an alert, so a TLS 1.2 client sees the connection reset before it is secured. (With
 * TLS 1.3 the client considers the handshake done before the server has checked its
 * certificate; mqtt.js then sees the connection close without a CONNACK.)
 */
function tlsHandshake(
  port: number,
  credentials: { ca: string; cert: string; key: string },
): Promise<{ secured: boolean; error: Error | undefined }> {
  return new Promise((resolve) => {
    let secured = false;
    let error: Error | undefined;
    const socket = connect({ host: "127.0.0.1", port, maxVersion: "TLSv1.2", ...credentials });
    socket.once("secureConnect", () => {
      secured = true;
    });
    socket.once("error", (cause) => {
      error = cause;
    });
    socket.once("close", () => resolve({ secured, error }));
    socket.resume();
  });
}
