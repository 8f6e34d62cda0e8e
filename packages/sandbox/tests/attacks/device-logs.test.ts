// Issue 18: a device attacking the device logs of another thing over real mutual TLS: forging
// them, reading them, or claiming another thing's name in its own. Each test asserts what the
// attacker sees and that the victim's stored lines are untouched.
import { deviceLogsTopic } from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextEvent, startTestSandbox, whenClosed } from "../e2e/sandbox-fixture.ts";

const VICTIM = "SN-VICTIM-0001";
const ATTACKER = "SN-ATTACK-0001";
const since = new Date(0);

const batch = (message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ dropped: 0, lines: [{ timestamp: Date.now(), message }], ...extra });

describe("a device attacking another thing's logs", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let victim: MqttClient;
  let attackerSession: () => Promise<MqttClient>;

  const victimLines = async () =>
    (await env.sandbox.readDeviceLogs({ thingName: VICTIM, since, limit: 100 })).map(
      (line) => line.message,
    );

  beforeAll(async () => {
    env = await startTestSandbox("attack-device-logs");
    victim = await env.connect((await env.enroll(VICTIM)).credentials, VICTIM);
    const attacker = (await env.enroll(ATTACKER)).credentials;
    attackerSession = () => env.connect(attacker, ATTACKER);
    await victim.publishAsync(deviceLogsTopic(VICTIM), batch("the victim's own line"), { qos: 1 });
  });

  afterAll(async () => {
    await env.stop();
  });

  it("forging lines on another thing's log topic disconnects the attacker and stores nothing", async () => {
    const client = await attackerSession();
    const denied = nextEvent(env.sandbox, "publish-denied", (event) => event.clientId === ATTACKER);
    const closed = whenClosed(client);
    client.publish(deviceLogsTopic(VICTIM), batch("forged"), { qos: 1 });
    await closed;

    expect((await denied).topic).toBe(deviceLogsTopic(VICTIM));
    expect(await victimLines()).toEqual(["the victim's own line"]);
    expect(victim.connected).toBe(true);
  });

  for (const filter of [deviceLogsTopic(VICTIM), "dt/+/logs", "dt/#"]) {
    it(`reading logs is refused: subscribing to ${filter} disconnects the attacker`, async () => {
      const client = await attackerSession();
      const denied = nextEvent(
        env.sandbox,
        "subscribe-denied",
        (event) => event.clientId === ATTACKER,
      );
      const closed = whenClosed(client);
      client.subscribe(filter, { qos: 1 }, () => {});
      await closed;

      expect((await denied).topicFilter).toBe(filter);
    });
  }

  it("naming the victim in its own log payload stores the lines under the attacker's name", async () => {
    const client = await attackerSession();
    await client.publishAsync(deviceLogsTopic(ATTACKER), batch("claimed", { thingName: VICTIM }), {
      qos: 1,
    });

    const attackerLines = await env.sandbox.readDeviceLogs({
      thingName: ATTACKER,
      since,
      limit: 100,
    });
    expect(attackerLines.map((line) => line.message)).toEqual(["claimed"]);
    expect(await victimLines()).toEqual(["the victim's own line"]);
  });
});
