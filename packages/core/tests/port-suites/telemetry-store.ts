import { afterEach, describe, expect, it } from "vitest";
import type {
  TelemetryPoint,
  TelemetryReader,
  TelemetrySample,
  TelemetryStore,
} from "../../src/ports/index.ts";

/**
 * One store adapter under test, backed by fresh, empty state (a temp DuckDB file, a mocked
 * WriteRecords, a local HTTP server). `reader` reads the same state back; a subject without one
 * (an SDK mock that only accepts writes) runs the write half of the suite.
 */
export interface TelemetryStoreSubject {
  store: TelemetryStore;
  reader?: TelemetryReader;
  /** Releases what makeSubject opened (temp dirs, mocks, servers). */
  close?(): Promise<void>;
}

// Recent enough for Timestream's memory store, whole milliseconds as every store keeps them.
const BASE_TIME = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const SINCE = new Date(BASE_TIME - 60_000);

function point(overrides: Partial<TelemetryPoint> = {}): TelemetryPoint {
  const time = overrides.time ?? new Date(BASE_TIME);
  return {
    thing: "device-0001",
    section: "vehicle",
    time,
    receivedAt: new Date(time.getTime() + 250),
    seq: 1,
    measures: {
      "battery.soc": 81.5,
      speedKph: 42,
      "airbags.driver": "ready",
      "seatBelts.driver": true,
    },
    ...overrides,
  };
}

/** Samples in a stable order, for comparing sets regardless of a store's tie-breaking. */
function sorted(samples: readonly TelemetrySample[]): TelemetrySample[] {
  return [...samples].sort(
    (a, b) =>
      b.time.getTime() - a.time.getTime() ||
      a.thing.localeCompare(b.thing) ||
      a.measure.localeCompare(b.measure),
  );
}

function samplesOf(p: TelemetryPoint): TelemetrySample[] {
  return Object.entries(p.measures).map(([name, value]) => ({
    thing: p.thing,
    time: p.time,
    seq: p.seq,
    measure: `${p.section}.${name}`,
    value,
  }));
}

/**
 * The TelemetryStore contract (and TelemetryReader, when the subject has one): batches up to
 * `maxPointsPerWrite` are accepted whole; what is written reads back as `section.path` samples
 * with their type, device time and seq, newest first, filtered by thing, window and measure.
 */
export function describeTelemetryStore(
  name: string,
  makeSubject: () => Promise<TelemetryStoreSubject>,
): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let opened: TelemetryStoreSubject | undefined;
    async function subject(): Promise<TelemetryStoreSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("states how many points one write accepts", async () => {
      const { store } = await subject();
      expect(Number.isInteger(store.maxPointsPerWrite)).toBe(true);
      expect(store.maxPointsPerWrite).toBeGreaterThan(0);
    });

    it("accepts a write of no points", async () => {
      const { store } = await subject();
      await expect(store.write([])).resolves.toEqual({ rejected: [] });
    });

    it("accepts a full batch of valid points from several things and sections", async () => {
      const { store } = await subject();
      const points = Array.from({ length: store.maxPointsPerWrite }, (_, i) =>
        point({
          thing: `device-${String(i % 3).padStart(4, "0")}`,
          section: i % 2 === 0 ? "vehicle" : "system",
          seq: i,
          time: new Date(BASE_TIME + i * 1000),
        }),
      );
      await expect(store.write(points)).resolves.toEqual({ rejected: [] });
    });

    // Each case writes (the whole contract of a writer-only subject) and, given a reader, reads back.
    async function writeAll(
      store: TelemetryStore,
      points: readonly TelemetryPoint[],
    ): Promise<void> {
      await expect(store.write(points)).resolves.toEqual({ rejected: [] });
    }

    it("reads back every measure written, with its type, device time and seq", async () => {
      const { store, reader } = await subject();
      const written = point({ seq: 7 });
      await writeAll(store, [written]);
      if (reader === undefined) return;
      const samples = await reader.query({ thing: "device-0001", since: SINCE });
      expect(sorted(samples)).toEqual(sorted(samplesOf(written)));
    });

    it("reads back every section of a message written in one write", async () => {
      const { store, reader } = await subject();
      const vehicle = point({ seq: 3 });
      const system = point({
        seq: 3,
        section: "system",
        measures: { load1: 0.5, uptimeSeconds: 9 },
      });
      const heartbeat = point({ seq: 3, section: "heartbeat", measures: { uptimeSeconds: 4 } });
      await writeAll(store, [heartbeat, system, vehicle]);
      if (reader === undefined) return;
      const samples = await reader.query({ thing: "device-0001", since: SINCE });
      expect(sorted(samples)).toEqual(
        sorted([...samplesOf(heartbeat), ...samplesOf(system), ...samplesOf(vehicle)]),
      );
      const uptime = await reader.query({
        thing: "device-0001",
        since: SINCE,
        measure: "system.uptimeSeconds",
      });
      expect(uptime.map((s) => [s.measure, s.seq, s.value])).toEqual([
        ["system.uptimeSeconds", 3, 9],
      ]);
    });

    it("reads back only the queried thing's samples, newest first", async () => {
      const { store, reader } = await subject();
      const older = point({ seq: 1, measures: { speedKph: 10 } });
      const newer = point({ seq: 2, time: new Date(BASE_TIME + 5000), measures: { speedKph: 20 } });
      const other = point({ thing: "device-0002", seq: 1, measures: { speedKph: 99 } });
      await writeAll(store, [older, other, newer]);
      if (reader === undefined) return;
      const samples = await reader.query({ thing: "device-0001", since: SINCE });
      expect(samples).toEqual([...samplesOf(newer), ...samplesOf(older)]);
    });

    it("reads back by full measure name within the since/until window", async () => {
      const { store, reader } = await subject();
      const points = [0, 1, 2, 3].map((i) =>
        point({
          seq: i,
          time: new Date(BASE_TIME + i * 60_000),
          measures: { "battery.soc": 80 - i, speedKph: 40 + i },
        }),
      );
      await writeAll(store, points);
      if (reader === undefined) return;
      const samples = await reader.query({
        thing: "device-0001",
        measure: "vehicle.battery.soc",
        // Between the points: whether the bounds are inclusive is the store's own business.
        since: new Date(BASE_TIME + 30_000),
        until: new Date(BASE_TIME + 150_000),
      });
      expect(samples.map((s) => [s.measure, s.seq, s.value])).toEqual([
        ["vehicle.battery.soc", 2, 78],
        ["vehicle.battery.soc", 1, 79],
      ]);
    });

    it("reads back at most `limit` samples, the newest", async () => {
      const { store, reader } = await subject();
      const points = [0, 1, 2].map((i) =>
        point({ seq: i, time: new Date(BASE_TIME + i * 1000), measures: { speedKph: i } }),
      );
      await writeAll(store, points);
      if (reader === undefined) return;
      const samples = await reader.query({ thing: "device-0001", since: SINCE, limit: 2 });
      expect(samples.map((s) => s.seq)).toEqual([2, 1]);
    });

    it("keeps integers, fractions, strings with separators and booleans apart", async () => {
      const { store, reader } = await subject();
      const measures = {
        count: 3,
        ratio: 0.25,
        negative: -12.5,
        label: 'a "quoted", spaced=label\\',
        on: false,
      };
      await writeAll(store, [point({ section: "system", measures })]);
      if (reader === undefined) return;
      const samples = await reader.query({ thing: "device-0001", since: SINCE });
      expect(Object.fromEntries(samples.map((s) => [s.measure, s.value]))).toEqual({
        "system.count": 3,
        "system.ratio": 0.25,
        "system.negative": -12.5,
        "system.label": measures.label,
        "system.on": false,
      });
    });

    it("reads back nothing for a thing that sent nothing", async () => {
      const { store, reader } = await subject();
      await writeAll(store, [point()]);
      if (reader === undefined) return;
      expect(await reader.query({ thing: "device-9999", since: SINCE })).toEqual([]);
    });
  });
}
