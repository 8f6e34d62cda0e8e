import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeadLetter } from "@fleet/core";
import { describe, expect, it } from "vitest";
import { describeTelemetryStore } from "../../../core/tests/port-suites/telemetry-store.ts";
import {
  DuckDbDeadLetterSink,
  DuckDbTelemetryReader,
  DuckDbTelemetryStore,
  openTelemetryDatabase,
} from "../../src/adapters/index.ts";

async function tempDatabase() {
  const dir = await mkdtemp(join(tmpdir(), "fleet-sandbox-duckdb-"));
  const database = await openTelemetryDatabase(join(dir, "telemetry.duckdb"));
  return {
    database,
    dir,
    async close() {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeTelemetryStore("DuckDbTelemetryStore", async () => {
  const { database, close } = await tempDatabase();
  return {
    store: new DuckDbTelemetryStore({ database }),
    reader: new DuckDbTelemetryReader({ database }),
    close,
  };
});

const TIME = new Date("2026-01-02T03:04:05.000Z");

describe("DuckDbTelemetryStore", () => {
  it("stores a redelivered point once, as Timestream ignores an identical record", async () => {
    const { database, close } = await tempDatabase();
    try {
      const store = new DuckDbTelemetryStore({ database });
      const point = {
        thing: "device-1",
        section: "vehicle",
        time: TIME,
        receivedAt: TIME,
        seq: 4,
        measures: { speedKph: 12 },
      };
      await store.write([point, point]);
      await store.write([point]);
      const samples = await new DuckDbTelemetryReader({ database }).query({
        thing: "device-1",
        since: new Date(0),
      });
      expect(samples).toEqual([
        { thing: "device-1", time: TIME, seq: 4, measure: "vehicle.speedKph", value: 12 },
      ]);
    } finally {
      await close();
    }
  });

  it("refuses a point with a non-finite measure and writes the others", async () => {
    const { database, close } = await tempDatabase();
    try {
      const store = new DuckDbTelemetryStore({ database });
      const base = { thing: "device-1", section: "system", time: TIME, receivedAt: TIME, seq: 1 };
      const result = await store.write([
        { ...base, measures: { load1: Number.POSITIVE_INFINITY } },
        { ...base, seq: 2, time: new Date(TIME.getTime() + 1000), measures: { load1: 0.5 } },
      ]);
      expect(result.rejected).toEqual([
        { index: 0, reason: "measure system.load1 is not a finite number", retryable: false },
      ]);
      const samples = await new DuckDbTelemetryReader({ database }).query({
        thing: "device-1",
        since: new Date(0),
      });
      expect(samples.map((s) => s.seq)).toEqual([2]);
    } finally {
      await close();
    }
  });

  it("keeps what was written across a reopen of the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-sandbox-duckdb-"));
    const path = join(dir, "telemetry.duckdb");
    try {
      const first = await openTelemetryDatabase(path);
      await new DuckDbTelemetryStore({ database: first }).write([
        {
          thing: "device-1",
          section: "led",
          time: TIME,
          receivedAt: TIME,
          seq: 9,
          measures: { blinking: true },
        },
      ]);
      await first.close();
      const second = await openTelemetryDatabase(path);
      const samples = await new DuckDbTelemetryReader({ database: second }).query({
        thing: "device-1",
        since: new Date(0),
      });
      await second.close();
      expect(samples.map((s) => [s.measure, s.value])).toEqual([["led.blinking", true]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function letter(overrides: Partial<DeadLetter>): DeadLetter {
  return {
    reason: "not JSON",
    issues: [],
    thing: "device-1",
    receivedAt: null,
    payload: "hello",
    source: { partitionKey: "device-1", sequenceNumber: "1" },
    at: "2026-01-02T03:04:05.000Z",
    ...overrides,
  };
}

describe("DuckDbDeadLetterSink", () => {
  it("lists the letters put, newest first, with their reasons and issues", async () => {
    const { database, close } = await tempDatabase();
    try {
      const sink = new DuckDbDeadLetterSink({ database });
      const older = letter({});
      const newer = letter({
        reason: "the message breaks the telemetry contract",
        issues: [{ path: "seq", message: "expected a number" }],
        thing: null,
        receivedAt: "2026-01-02T03:04:06.000Z",
        payload: '{"seq":"x"}',
        source: { partitionKey: "device-2", sequenceNumber: "2" },
        at: "2026-01-02T03:04:06.500Z",
      });
      await sink.put([older]);
      await sink.put([newer]);
      expect(await sink.list()).toEqual([newer, older]);
      expect(await sink.list({ since: new Date("2026-01-02T03:04:06.000Z") })).toEqual([newer]);
      expect(await sink.list({ limit: 1 })).toEqual([newer]);
    } finally {
      await close();
    }
  });
});
