import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMqttSession } from "../../src/connection/mqtt-session.ts";
import type { SessionEnd } from "../../src/connection/session.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

/**
 * A TLS server that answers each client's first bytes (its CONNECT) with `answer`: raw bytes
 * to write (a CONNACK mqtt.js would parse), or "close" to hang up without a CONNACK, as AWS IoT
 * Core does.
 */
async function startRawBroker(pki: TestPki, answer: Buffer | "close"): Promise<Server> {
  const server = createServer(
    { ca: pki.caPem, cert: pki.server.certPem, key: pki.server.keyPem, requestCert: true },
    (socket: TLSSocket) => {
      socket.once("data", () => {
        if (answer === "close") socket.end();
        else socket.write(answer);
      });
      socket.on("error", () => {});
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

/** MQTT 3.1.1 CONNACK with `code` as its return code. */
const connack = (code: number) => Buffer.from([0x20, 0x02, 0x00, code]);

describe("mqtt session refusals", () => {
  let pki: TestPki;
  let dir: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    pki = await createTestPki("sim-0001");
    dir = await mkdtemp(join(tmpdir(), "fleet-session-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens one session against a broker answering `answer`; resolves how it ended. */
  async function endOf(answer: Buffer | "close"): Promise<SessionEnd> {
    const server = await startRawBroker(pki, answer);
    servers.push(server);
    return new Promise<SessionEnd>((resolve, reject) => {
      openMqttSession(
        {
          clientId: "sim-0001",
          host: "127.0.0.1",
          port: (server.address() as AddressInfo).port,
          tls: {
            caFile: join(dir, "ca.pem"),
            certFile: join(dir, "cert.pem"),
            keyFile: join(dir, "key.pem"),
          },
          keepaliveSeconds: 30,
          connectTimeoutMs: 5_000,
          closeTimeoutMs: 1_000,
        },
        {
          onConnected: () => reject(new Error("accepted")),
          onEnded: resolve,
        },
      ).catch(reject);
    });
  }

  it("counts CONNACK 5 not authorized as a refusal", async () => {
    expect(await endOf(connack(5))).toMatchObject({ returnCode: 5, certificateRejected: true });
  });

  it("counts a CONNACK code outside MQTT 3.1.1 and 5, such as 7, as a refusal", async () => {
    expect(await endOf(connack(7))).toMatchObject({ returnCode: 7, certificateRejected: true });
  });

  it("counts a close after the TLS handshake and before any CONNACK as a refusal", async () => {
    const end = await endOf("close");
    expect(end).toMatchObject({ certificateRejected: true, closedBeforeConnack: true });
    expect(end.reason).toMatch(/closed by the broker before CONNACK/);
  });

  it("does not count CONNACK 3 server unavailable: the broker asks to come back later", async () => {
    const end = await endOf(connack(3));
    expect(end).toMatchObject({ returnCode: 3 });
    expect(end.certificateRejected).toBe(false);
  });
});
