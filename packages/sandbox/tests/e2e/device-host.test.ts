import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox } from "./sandbox-fixture.ts";
import { tlsHandshake } from "./tls-handshake.ts";

// A QEMU guest on user networking reaches the host's loopback at 10.0.2.2: the broker's
// certificate must name that address, or the board's TLS check fails.
describe("the sandbox reached at another address (deviceHost)", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;

  beforeAll(async () => {
    env = await startTestSandbox("device-host", { deviceHost: "10.0.2.2" });
  });
  afterAll(async () => {
    await env.stop();
  });

  it("names the device host in the broker's certificate, beside loopback", async () => {
    const { credentials } = await env.enroll("SN-DEVHOST-1");
    const handshake = await tlsHandshake(env.sandbox.mqtt.port, credentials);
    const names = "peer" in handshake ? (handshake.peer.subjectaltname ?? "") : handshake.error;
    expect(names).toContain("IP Address:10.0.2.2");
    expect(names).toContain("IP Address:127.0.0.1");
  });
});
