import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MQTT_ALPN_PROTOCOL } from "../../src/iot-core/broker/tls-server.ts";
import { type ClientCredentials, startTestSandbox } from "./sandbox-fixture.ts";
import { tlsHandshake } from "./tls-handshake.ts";

// Networks that block 8883: AWS IoT Core serves MQTT with X.509 client certificates on port 443
// to clients offering the ALPN name x-amzn-mqtt-ca. The sandbox broker accepts it too.
describe("the sandbox broker and TLS ALPN (MQTT on port 443, as AWS IoT Core)", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let credentials: ClientCredentials;

  beforeAll(async () => {
    env = await startTestSandbox("mqtt-alpn");
    ({ credentials } = await env.enroll("SN-ALPN-1"));
  });
  afterAll(async () => {
    await env.stop();
  });

  it("accepts an MQTT client that offers x-amzn-mqtt-ca and selects that protocol", async () => {
    const client = await env.connect(credentials, "SN-ALPN-1", {
      ALPNProtocols: [MQTT_ALPN_PROTOCOL],
    });
    expect(client.connected).toBe(true);
    expect((client.stream as TLSSocket).alpnProtocol).toBe("x-amzn-mqtt-ca");
    await env.endClients();
  });

  it("still accepts a client that offers no ALPN (port 8883 on AWS)", async () => {
    const client = await env.connect(credentials, "SN-ALPN-1");
    expect(client.connected).toBe(true);
    expect((client.stream as TLSSocket).alpnProtocol).toBe(false);
    await env.endClients();
  });

  it("refuses, in the TLS handshake, a client that offers only other protocols", async () => {
    const outcome = await tlsHandshake(env.sandbox.mqtt.port, credentials, {
      ALPNProtocols: ["h2"],
    });
    expect(outcome).toEqual({ error: expect.stringMatching(/no.application.protocol/i) });
  });
});
