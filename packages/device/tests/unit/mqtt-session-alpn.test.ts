import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeviceConfig } from "../../src/config.ts";
import { openMqttSession } from "../../src/connection/mqtt-session.ts";
import {
  connack,
  rawBrokerTarget,
  startRawBroker,
  writeDeviceTlsFiles,
} from "../support/raw-tls-broker.ts";
import { createTestPki } from "../support/test-pki.ts";

// Networks that block 8883: AWS IoT Core takes MQTT with X.509 certificates on port 443 from
// clients that offer the ALPN name x-amzn-mqtt-ca (endpoint.alpn in the device config).
describe("mqtt session over TLS ALPN (port 443 on AWS IoT Core)", () => {
  let dir: string;
  let server: Server;
  const offered: (string | false | null)[] = [];

  beforeAll(async () => {
    const pki = await createTestPki("sim-alpn");
    dir = await mkdtemp(join(tmpdir(), "fleet-session-alpn-"));
    await writeDeviceTlsFiles(pki, dir);
    server = await startRawBroker(pki, connack(0), {
      tls: { ALPNProtocols: ["x-amzn-mqtt-ca"] },
      onSecure: (socket) => offered.push(socket.alpnProtocol),
    });
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Connects once (with `alpn` when given) and resolves the protocol the broker selected. */
  async function selectedWith(alpn?: string): Promise<string | false | null | undefined> {
    const session = await new Promise<Awaited<ReturnType<typeof openMqttSession>>>(
      (resolve, reject) => {
        const opened = openMqttSession(
          {
            ...rawBrokerTarget(server, dir, "sim-alpn"),
            ...(alpn !== undefined && { alpn }),
          },
          {
            onConnected: () => opened.then(resolve, reject),
            onEnded: (end) => reject(new Error(end.reason)),
          },
        );
        opened.catch(reject);
      },
    );
    await session.close();
    return offered.at(-1);
  }

  it("offers the configured ALPN name, which the broker selects", async () => {
    expect(await selectedWith("x-amzn-mqtt-ca")).toBe("x-amzn-mqtt-ca");
  });

  it("offers no ALPN without one configured (port 8883)", async () => {
    expect(await selectedWith()).toBe(false);
  });

  it("reads endpoint.alpn from the config file, and no default", () => {
    const base = { serial: "sim-alpn", tls: { caFile: "/ca.pem" }, credentialsDir: "/creds" };
    const on443 = parseDeviceConfig(
      { ...base, endpoint: { host: "iot.example", port: 443, alpn: "x-amzn-mqtt-ca" } },
      "/etc/fleet/device.json",
    );
    expect(on443.endpoint).toEqual({ host: "iot.example", port: 443, alpn: "x-amzn-mqtt-ca" });
    const plain = parseDeviceConfig({ ...base, endpoint: { host: "iot.example" } }, "/d.json");
    expect(plain.endpoint).toEqual({ host: "iot.example", port: 8883 });
  });
});
