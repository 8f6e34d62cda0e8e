import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMqttSession } from "../../src/connection/mqtt-session.ts";
import type { SessionEnd } from "../../src/connection/session.ts";
import {
  connack,
  rawBrokerTarget,
  startRawBroker,
  writeDeviceTlsFiles,
} from "../support/raw-tls-broker.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

describe("mqtt session refusals", () => {
  let pki: TestPki;
  let dir: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    pki = await createTestPki("sim-0001");
    dir = await mkdtemp(join(tmpdir(), "fleet-session-"));
    await writeDeviceTlsFiles(pki, dir);
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
      openMqttSession(rawBrokerTarget(server, dir, "sim-0001"), {
        onConnected: () => reject(new Error("accepted")),
        onEnded: resolve,
      }).catch(reject);
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
