import { describe, expect, it } from "vitest";
import type { DeviceLogEventQuery, StoredDeviceLogEvent } from "../../src/ports/index.ts";
import { createReadDeviceLogs } from "../../src/use-cases/index.ts";

const SINCE = new Date("2026-11-21T12:00:00.000Z");
const at = (seconds: number) => SINCE.getTime() + seconds * 1_000;

function stored(id: string, record: unknown, storedAtSeconds = 0): StoredDeviceLogEvent {
  return { id, storedAt: new Date(at(storedAtSeconds)), text: JSON.stringify(record) };
}

function readFrom(events: StoredDeviceLogEvent[]) {
  const queries: DeviceLogEventQuery[] = [];
  const read = createReadDeviceLogs({
    events: {
      find: async (query) => {
        queries.push(query);
        return events;
      },
    },
  });
  return { read, queries };
}

describe("readDeviceLogs", () => {
  it("flattens the thing's stored batches into lines in time order, with stable ids", async () => {
    const { read, queries } = readFrom([
      stored("e2", {
        thingName: "sim-0001",
        dropped: 0,
        lines: [{ timestamp: at(3), message: "c" }],
      }),
      stored("e1", {
        thingName: "sim-0001",
        dropped: 0,
        lines: [
          { timestamp: at(1), message: "a" },
          { timestamp: at(2), message: "b" },
        ],
      }),
    ]);

    const lines = await read({ thingName: "sim-0001", since: SINCE, limit: 10 });

    expect(queries).toEqual([{ thingName: "sim-0001", since: SINCE, limit: 10 }]);
    expect(lines).toEqual([
      { id: "e1/0", time: new Date(at(1)), message: "a" },
      { id: "e1/1", time: new Date(at(2)), message: "b" },
      { id: "e2/0", time: new Date(at(3)), message: "c" },
    ]);
  });

  it("skips what is not a batch of this thing (another thing's, malformed, not JSON)", async () => {
    const { read } = readFrom([
      stored("other", {
        thingName: "sim-0002",
        dropped: 0,
        lines: [{ timestamp: at(1), message: "x" }],
      }),
      stored("bad", { thingName: "sim-0001", lines: "nope" }),
      { id: "text", storedAt: new Date(at(1)), text: "not json" },
      stored("ok", {
        thingName: "sim-0001",
        dropped: 0,
        lines: [{ timestamp: at(1), message: "y" }],
      }),
    ]);

    const lines = await read({ thingName: "sim-0001", since: SINCE, limit: 10 });

    expect(lines.map((line) => line.message)).toEqual(["y"]);
  });

  it("says how many lines the device dropped, and keeps only lines since `since`, the newest `limit`", async () => {
    const { read } = readFrom([
      stored(
        "e1",
        {
          thingName: "sim-0001",
          dropped: 7,
          lines: [
            { timestamp: at(-5), message: "before" },
            { timestamp: at(1), message: "a" },
            { timestamp: at(2), message: "b" },
          ],
        },
        4,
      ),
    ]);

    const lines = await read({ thingName: "sim-0001", since: SINCE, limit: 2 });

    expect(lines).toEqual([
      { id: "e1/2", time: new Date(at(2)), message: "b" },
      {
        id: "e1/dropped",
        time: new Date(at(4)),
        message: "(the device dropped 7 lines: over its shipping limits)",
      },
    ]);
  });
});
