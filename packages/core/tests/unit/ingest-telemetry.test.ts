import { describe, expect, it } from "vitest";
import {
  createIngestTelemetry,
  type IngestRecord,
  type IngestTelemetryDeps,
} from "../../src/use-cases/ingest-telemetry.ts";
import { InMemoryDeadLetterSink, InMemoryTelemetryStore, throttlingError } from "./fakes/index.ts";

const NOW = new Date("2026-11-20T10:16:00.000Z");
const RECEIVED_AT = Date.parse("2026-11-20T10:15:31.000Z");
const encoder = new TextEncoder();

let nextId = 1000;
/** A stream record as the telemetry rule writes it; `patch` changes the message. */
function record(
  thing: string,
  seq: number,
  patch: Record<string, unknown> = {},
): IngestRecord & { seq: number } {
  const data = {
    schemaVersion: 1,
    seq,
    deviceTime: "2026-11-20T10:15:30.250Z",
    heartbeat: { uptimeSeconds: 60 + seq, clientVersion: "0.1.0", reconnects: 0 },
    ...patch,
    thing,
    receivedAt: RECEIVED_AT,
  };
  return {
    id: String(nextId++),
    partitionKey: thing,
    data: encoder.encode(JSON.stringify(data)),
    seq,
  };
}

function raw(thing: string, data: Uint8Array): IngestRecord {
  return { id: String(nextId++), partitionKey: thing, data };
}

function setup(
  overrides: Partial<IngestTelemetryDeps> & {
    maxPointsPerWrite?: number;
    maxMessagesPerWrite?: number;
  } = {},
) {
  const store = new InMemoryTelemetryStore({
    maxPointsPerWrite: overrides.maxPointsPerWrite,
    maxMessagesPerWrite: overrides.maxMessagesPerWrite,
  });
  const deadLetters = new InMemoryDeadLetterSink();
  const ingest = createIngestTelemetry({ store, deadLetters, clock: () => NOW, ...overrides });
  return { store, deadLetters, ingest };
}

const storedSeqs = (store: InMemoryTelemetryStore, thing: string) =>
  store.points.filter((point) => point.thing === thing).map((point) => point.seq);

describe("ingest telemetry", () => {
  it("stores each section of each message as one point of its thing", async () => {
    const { store, ingest } = setup();
    const records = [record("device-0001", 1), record("device-0002", 1), record("device-0001", 2)];
    const result = await ingest(records);
    expect(result).toEqual({ failedIds: [], written: 3, deadLettered: 0, writeCalls: 1 });
    expect(store.points).toContainEqual({
      thing: "device-0001",
      section: "heartbeat",
      time: new Date("2026-11-20T10:15:30.250Z"),
      receivedAt: new Date(RECEIVED_AT),
      seq: 2,
      measures: { uptimeSeconds: 62, clientVersion: "0.1.0", reconnects: 0 },
    });
  });

  it("dead-letters an invalid message with its failing fields and stores the others", async () => {
    const { store, deadLetters, ingest } = setup();
    const bad = record("device-0003", 5, {
      heartbeat: { uptimeSeconds: 1, clientVersion: "0.1.0", reconnects: "two" },
    });
    const result = await ingest([record("device-0001", 1), bad, record("device-0002", 1)]);
    expect(result).toEqual({ failedIds: [], written: 2, deadLettered: 1, writeCalls: 1 });
    expect(store.points.map((point) => point.thing)).toEqual(["device-0001", "device-0002"]);
    expect(deadLetters.letters).toEqual([
      {
        reason: expect.stringMatching(
          /^Invalid message on dt\/device-0003\/telemetry: heartbeat\.reconnects: /,
        ),
        issues: [{ path: "heartbeat.reconnects", message: expect.any(String) }],
        thing: "device-0003",
        receivedAt: "2026-11-20T10:15:31.000Z",
        payload: new TextDecoder().decode(bad.data),
        source: { partitionKey: "device-0003", sequenceNumber: bad.id },
        at: NOW.toISOString(),
      },
    ]);
  });

  it("dead-letters a record that is not JSON with what is known of it", async () => {
    const { deadLetters, ingest } = setup();
    const broken = raw("device-0004", encoder.encode('{"schemaVersion":1,'));
    const result = await ingest([broken]);
    expect(result).toEqual({ failedIds: [], written: 0, deadLettered: 1, writeCalls: 0 });
    expect(deadLetters.letters[0]).toMatchObject({
      reason: expect.stringContaining("expected UTF-8 JSON"),
      issues: [{ path: "", message: expect.stringContaining("expected UTF-8 JSON") }],
      thing: null,
      receivedAt: null,
      payload: '{"schemaVersion":1,',
      source: { partitionKey: "device-0004", sequenceNumber: broken.id },
    });
  });

  it("keeps a payload that is not UTF-8 as base64", async () => {
    const { deadLetters, ingest } = setup();
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    await ingest([raw("device-0004", bytes)]);
    expect(deadLetters.letters[0]?.payload).toBe(Buffer.from(bytes).toString("base64"));
  });

  it("cuts a dead letter's payload to 64 KiB", async () => {
    const { deadLetters, ingest } = setup();
    // 3-byte characters after two bytes: 2 + 3 × 21,844 = 65,534 bytes fit, and the cut at
    // 65,536 falls inside the next one, which is dropped rather than mangled.
    const text = `ab${"€".repeat(30_000)}`;
    await ingest([raw("device-0004", encoder.encode(text))]);
    const payload = deadLetters.letters[0]?.payload ?? "";
    expect(encoder.encode(payload).length).toBe(65_534);
    expect(payload.endsWith("€")).toBe(true);
  });

  it("dead-letters a message whose point the store refuses for good, keeping the rest", async () => {
    const { store, deadLetters, ingest } = setup();
    store.refuse = (point) =>
      point.thing === "device-0002" ? { reason: "measure type mismatch", retryable: false } : null;
    const refused = record("device-0002", 9);
    const result = await ingest([record("device-0001", 1), refused]);
    expect(result).toEqual({ failedIds: [], written: 1, deadLettered: 1, writeCalls: 1 });
    expect(deadLetters.letters).toMatchObject([
      {
        reason: 'the store refused section "heartbeat": measure type mismatch',
        issues: [],
        thing: "device-0002",
        source: { sequenceNumber: refused.id },
      },
    ]);
  });

  it("fails only the records whose points were refused as retryable", async () => {
    const { store, deadLetters, ingest } = setup();
    store.refuse = (point) => (point.seq === 2 ? { reason: "throttled", retryable: true } : null);
    const records = [record("device-0001", 1), record("device-0001", 2), record("device-0002", 2)];
    const result = await ingest(records);
    expect(result).toEqual({
      failedIds: [records[1]?.id, records[2]?.id],
      written: 1,
      deadLettered: 0,
      writeCalls: 1,
    });
    expect(deadLetters.letters).toEqual([]);
  });

  it("retries, not dead-letters, a message with one section refused for good and one retryable", async () => {
    const { store, deadLetters, ingest } = setup();
    store.refuse = (point) =>
      point.section === "heartbeat"
        ? { reason: "throttled", retryable: true }
        : { reason: "measure type mismatch", retryable: false };
    const both = record("device-0001", 1, { led: { on: true, blinking: false, blinkHz: 2 } });
    const result = await ingest([both]);
    // Delivered again, the record is judged whole once the transient refusal has passed.
    expect(result).toEqual({ failedIds: [both.id], written: 0, deadLettered: 0, writeCalls: 1 });
    expect(deadLetters.letters).toEqual([]);
  });

  it("counts a message written only when every one of its sections was stored", async () => {
    const { store, ingest } = setup({ maxPointsPerWrite: 1 });
    store.faults.inject({ operation: "write", call: 2 });
    const both = record("device-0001", 1, { led: { on: true, blinking: true, blinkHz: 2 } });
    const result = await ingest([both]);
    expect(result).toEqual({ failedIds: [both.id], written: 0, deadLettered: 0, writeCalls: 2 });
    expect(store.points.map((point) => point.section)).toEqual(["heartbeat"]);
  });

  it("fails only the records of a chunk whose write threw", async () => {
    const { store, deadLetters, ingest } = setup({ maxPointsPerWrite: 2 });
    store.faults.inject({ operation: "write", call: 2, error: throttlingError() });
    const records = ["a", "b", "c", "d", "e"].map((suffix) => record(`device-000${suffix}`, 1));
    const result = await ingest(records);
    expect(result.failedIds).toEqual([records[2]?.id, records[3]?.id]);
    expect(result).toMatchObject({ written: 3, deadLettered: 0, writeCalls: 3 });
    expect(deadLetters.letters).toEqual([]);
  });

  it("writes at most maxPointsPerWrite points per call, filling each call", async () => {
    const { store, ingest } = setup();
    const records = Array.from({ length: 250 }, (_, i) =>
      record(`device-${String(i % 7).padStart(4, "0")}`, i),
    );
    const result = await ingest(records);
    expect(result).toMatchObject({ failedIds: [], written: 250, writeCalls: 3 });
    expect(store.calls.map((call) => call.length)).toEqual([100, 100, 50]);
  });

  it("fills writes with whole messages for a store that keeps a message in one record", async () => {
    const { store, ingest } = setup({ maxPointsPerWrite: 1000, maxMessagesPerWrite: 100 });
    const led = { led: { on: true, blinking: false, blinkHz: 2 } };
    const records = Array.from({ length: 250 }, (_, i) =>
      record(`device-${String(i % 7).padStart(4, "0")}`, i, led),
    );
    const result = await ingest(records);
    expect(result).toMatchObject({ failedIds: [], written: 250, writeCalls: 3 });
    expect(store.calls.map((call) => call.length)).toEqual([200, 200, 100]);
    // No message is cut between two writes.
    const callOf = new Map<string, number>();
    store.calls.forEach((call, i) => {
      for (const point of call) {
        const key = `${point.thing}#${point.seq}`;
        expect(callOf.get(key) ?? i).toBe(i);
        callOf.set(key, i);
      }
    });
  });

  it("starts a new write before a message that would pass maxPointsPerWrite", async () => {
    const { store, ingest } = setup({ maxPointsPerWrite: 3, maxMessagesPerWrite: 100 });
    const led = { led: { on: true, blinking: false, blinkHz: 2 } };
    const records = [1, 2, 3].map((seq) => record("device-0001", seq, led));
    const result = await ingest(records);
    expect(result).toMatchObject({ failedIds: [], written: 3, writeCalls: 3 });
    expect(store.calls.map((call) => call.length)).toEqual([2, 2, 2]);
  });

  it("dead-letters a message with more sections than one write of a whole-message store takes", async () => {
    const { store, deadLetters, ingest } = setup({ maxPointsPerWrite: 1, maxMessagesPerWrite: 1 });
    const both = record("device-0001", 1, { led: { on: true, blinking: false, blinkHz: 2 } });
    const result = await ingest([both, record("device-0002", 1)]);
    expect(result).toEqual({ failedIds: [], written: 1, deadLettered: 1, writeCalls: 1 });
    expect(store.points.map((point) => point.thing)).toEqual(["device-0002"]);
    expect(deadLetters.letters[0]?.reason).toBe(
      "the message has 2 sections; the store takes at most 1 in one write",
    );
  });

  it("groups each thing's points together, in the order they came", async () => {
    const { store, ingest } = setup();
    const records = [
      record("device-0002", 1),
      record("device-0001", 1),
      record("device-0002", 2),
      record("device-0001", 2),
      record("device-0002", 3),
    ];
    await ingest(records);
    expect(store.calls[0]?.map((point) => `${point.thing}#${point.seq}`)).toEqual([
      "device-0001#1",
      "device-0001#2",
      "device-0002#1",
      "device-0002#2",
      "device-0002#3",
    ]);
    expect(storedSeqs(store, "device-0002")).toEqual([1, 2, 3]);
  });

  it("fails the dead-lettered records when the dead-letter sink fails, so none is lost", async () => {
    const { store, deadLetters, ingest } = setup();
    deadLetters.faults.inject({ operation: "put" });
    const bad = raw("device-0003", encoder.encode("not json"));
    const result = await ingest([record("device-0001", 1), bad]);
    expect(result).toEqual({ failedIds: [bad.id], written: 1, deadLettered: 0, writeCalls: 1 });
    expect(store.points).toHaveLength(1);
  });

  it("does nothing for an empty batch", async () => {
    const { store, ingest } = setup();
    expect(await ingest([])).toEqual({ failedIds: [], written: 0, deadLettered: 0, writeCalls: 0 });
    expect(store.calls).toEqual([]);
  });
});
