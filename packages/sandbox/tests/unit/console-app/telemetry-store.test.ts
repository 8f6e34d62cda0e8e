import { describe, expect, it } from "vitest";
import type { ConsoleApi } from "../../../console-app/console-api.ts";
import { TelemetryStore } from "../../../console-app/telemetry-store.ts";

type Query = Parameters<ConsoleApi["queryTelemetry"]>[0];
type Sample = Awaited<ReturnType<ConsoleApi["queryTelemetry"]>>[number];

const NOW = Date.parse("2026-06-01T12:00:00.000Z");
const RANGE_MS = 5 * 60_000;

const sample = (secondsAgo: number, measure: string, value: number): Sample => ({
  thing: "sim-0001",
  time: new Date(NOW - secondsAgo * 1000),
  seq: 0,
  measure,
  value,
});

/** An API answering each query with the next batch (newest first, as the API does). */
function fakeApi(batches: Sample[][]) {
  const queries: Query[] = [];
  const api = {
    queryTelemetry: async (query: Query) => {
      queries.push(query);
      return batches.shift() ?? [];
    },
  } as Partial<ConsoleApi> as ConsoleApi;
  return { api, queries };
}

describe("the console's telemetry store", () => {
  it("asks for the whole range first, then only for what came after its newest reading", async () => {
    const { api, queries } = fakeApi([
      [sample(10, "vehicle.speedKph", 42), sample(20, "vehicle.speedKph", 40)],
      [sample(5, "vehicle.speedKph", 44)],
    ]);
    const store = new TelemetryStore(api, "sim-0001", RANGE_MS);
    expect(await store.refresh(NOW)).toBe(true);
    expect(await store.refresh(NOW)).toBe(true);
    expect(await store.refresh(NOW)).toBe(false);
    expect(queries.map((query) => query.since.getTime())).toEqual([
      NOW - RANGE_MS,
      NOW - 10_000 + 1,
      NOW - 5_000 + 1,
    ]);
    expect(queries[0]).toMatchObject({ thing: "sim-0001", limit: 10_000 });
    // Oldest first, in epoch seconds, as uPlot takes them.
    expect(store.readings("vehicle.speedKph")).toEqual([
      [(NOW - 20_000) / 1000, 40],
      [(NOW - 10_000) / 1000, 42],
      [(NOW - 5_000) / 1000, 44],
    ]);
    expect(store.readings("vehicle.battery.soc")).toEqual([]);
  });

  it("forgets readings that slid out of the time range", async () => {
    const { api } = fakeApi([[sample(60, "system.load1", 1), sample(280, "system.load1", 2)]]);
    const store = new TelemetryStore(api, "sim-0001", RANGE_MS);
    await store.refresh(NOW);
    expect(store.readings("system.load1")).toHaveLength(2);
    await store.refresh(NOW + 30_000);
    expect(store.readings("system.load1")).toEqual([[(NOW - 60_000) / 1000, 1]]);
  });
});
