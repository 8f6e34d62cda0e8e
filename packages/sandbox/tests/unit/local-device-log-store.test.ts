import { createReadDeviceLogs } from "@fleet/core";
import { describe, expect, it } from "vitest";
import { describeDeviceLogEvents, oneLineBatch } from "../../../core/tests/port-suites/index.ts";
import type { RuleMessage } from "../../src/iot-core/topic-rule.ts";
import { LocalDeviceLogStore } from "../../src/logs/local-device-log-store.ts";

const T0 = new Date("2026-11-21T12:00:00.000Z");

function message(thing: string, batch: unknown): RuleMessage {
  return {
    topic: `dt/${thing}/logs`,
    payload: Buffer.from(JSON.stringify(batch)),
    clientId: thing,
    receivedAt: T0.getTime(),
  };
}

const batch = (text: string, extra: Record<string, unknown> = {}) => ({
  dropped: 0,
  lines: [{ timestamp: T0.getTime(), message: text }],
  ...extra,
});

describeDeviceLogEvents("LocalDeviceLogStore", async () => {
  let now = T0;
  const store = new LocalDeviceLogStore({ now: () => now });
  return {
    events: store,
    async store(thingName, text, storedAt) {
      now = storedAt;
      store.handle({
        ...message(thingName, {}),
        payload: Buffer.from(oneLineBatch(text, storedAt)),
      });
    },
  };
});

describe("LocalDeviceLogStore", () => {
  it("is the device-logs rule: every device's log topic", () => {
    expect(new LocalDeviceLogStore().topicFilter).toBe("dt/+/logs");
  });

  it("stores the thing from the topic, whatever the payload claims", async () => {
    const store = new LocalDeviceLogStore({ now: () => T0 });
    store.handle(message("sim-0001", batch("mine", { thingName: "sim-0002" })));
    const read = createReadDeviceLogs({ events: store });

    expect(await read({ thingName: "sim-0002", since: T0, limit: 10 })).toEqual([]);
    expect(
      (await read({ thingName: "sim-0001", since: T0, limit: 10 })).map((l) => l.message),
    ).toEqual(["mine"]);
  });

  it("keeps each device within its bound, evicting its oldest events only", async () => {
    const one = JSON.stringify({ ...batch("x".repeat(100)), thingName: "sim-0001" }).length;
    const store = new LocalDeviceLogStore({ maxBytesPerDevice: one * 3, now: () => T0 });
    for (let i = 0; i < 10; i++) store.handle(message("sim-0001", batch(`${i}`.padEnd(100, "x"))));
    store.handle(message("sim-0002", batch("other")));

    const kept = await store.find({ thingName: "sim-0001", since: T0, limit: 100 });
    expect(kept).toHaveLength(3);
    expect(kept.map((event) => JSON.parse(event.text).lines[0].message[0])).toEqual([
      "7",
      "8",
      "9",
    ]);
    expect(await store.find({ thingName: "sim-0002", since: T0, limit: 100 })).toHaveLength(1);
  });

  it("finds events stored since a time, the newest `limit`", async () => {
    let now = T0;
    const store = new LocalDeviceLogStore({ now: () => now });
    for (let i = 0; i < 5; i++) {
      now = new Date(T0.getTime() + i * 1_000);
      store.handle(message("sim-0001", batch(`${i}`)));
    }
    const found = await store.find({
      thingName: "sim-0001",
      since: new Date(T0.getTime() + 1_000),
      limit: 2,
    });
    expect(found.map((event) => event.id)).toEqual(["4", "5"]);
  });
});
