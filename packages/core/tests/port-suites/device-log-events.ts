import { afterEach, describe, expect, it } from "vitest";
import type { DeviceLogEvents, StoredDeviceLogEvent } from "../../src/ports/index.ts";

/** One adapter under test, with a way to have the device-logs rule store a device's message. */
export interface DeviceLogEventsSubject {
  events: DeviceLogEvents;
  /** The rule stored `message` (a batch of one line), sent by `thingName`, at `storedAt`. */
  store(thingName: string, message: string, storedAt: Date): Promise<void>;
  close?(): Promise<void>;
}

const T0 = new Date("2026-11-21T12:00:00.000Z");
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1_000);

/** The line of each found event, as the rule stored it. */
const linesOf = (found: StoredDeviceLogEvent[]) =>
  found.map((event) => JSON.parse(event.text).lines[0].message as string);

/**
 * The DeviceLogEvents contract: a thing's stored events, by the thing the rule took from the
 * topic, stored since a time, oldest first, the newest `limit` of them, each with a unique id.
 */
export function describeDeviceLogEvents(
  name: string,
  makeSubject: () => Promise<DeviceLogEventsSubject>,
): void {
  describe(`DeviceLogEvents contract: ${name}`, () => {
    let opened: DeviceLogEventsSubject | undefined;
    async function subject(): Promise<DeviceLogEventsSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("finds the thing's events only, oldest first, each with its own id", async () => {
      const s = await subject();
      await s.store("sim-0001", "a", later(1));
      await s.store("sim-0002", "other", later(2));
      await s.store("sim-0001", "b", later(3));

      const found = await s.events.find({ thingName: "sim-0001", since: T0, limit: 10 });

      expect(linesOf(found)).toEqual(["a", "b"]);
      expect(new Set(found.map((event) => event.id)).size).toBe(2);
      expect(found.map((event) => JSON.parse(event.text).thingName)).toEqual([
        "sim-0001",
        "sim-0001",
      ]);
    });

    it("finds events stored since `since`, the newest `limit`", async () => {
      const s = await subject();
      for (let i = 0; i < 5; i++) await s.store("sim-0001", `${i}`, later(i));

      const found = await s.events.find({ thingName: "sim-0001", since: later(1), limit: 3 });

      expect(linesOf(found)).toEqual(["2", "3", "4"]);
    });

    it("finds nothing for a thing that shipped nothing", async () => {
      const s = await subject();
      await s.store("sim-0001", "a", later(1));
      expect(await s.events.find({ thingName: "sim-0009", since: T0, limit: 10 })).toEqual([]);
    });
  });
}

/** A one-line batch as a device publishes it. */
export function oneLineBatch(message: string, at: Date): string {
  return JSON.stringify({ dropped: 0, lines: [{ timestamp: at.getTime(), message }] });
}
