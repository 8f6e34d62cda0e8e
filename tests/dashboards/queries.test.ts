import { splitMeasure } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import {
  ALL_DASHBOARDS,
  type DashboardFile,
  type Query,
  queries,
  TIME_SERIES_PANELS,
} from "./dashboard-files.ts";
import { matchesPattern, sampleMeasure, telemetryMeasurePatterns } from "./telemetry-measures.ts";

const MEASURES = telemetryMeasurePatterns();
/** Columns TimestreamTelemetryStore writes with every record besides the measures. */
const TIMESTREAM_STORE_COLUMNS = new Set(["seq"]);

function expectKnownMeasures(query: Query, section: string, measures: readonly string[]): void {
  const patterns = MEASURES.get(section);
  expect(patterns, `${query.where}: section "${section}" is not in TelemetrySchema`).toBeDefined();
  for (const measure of measures) {
    expect(
      patterns?.some((pattern) => matchesPattern(measure, pattern)),
      `${query.where}: "${section}" has no measure "${measure}" in TelemetrySchema`,
    ).toBe(true);
  }
}

/** The one section (InfluxDB's _measurement) a query reads; each query reads exactly one. */
function onlySection(query: Query, pattern: RegExp): string {
  const sections = [...query.text.matchAll(pattern)].map((match) => match[1] ?? "");
  expect(new Set(sections).size, `${query.where}: sections ${sections.join(", ")}`).toBe(1);
  return sections[0] ?? "";
}

const byStore = (store: string) =>
  ALL_DASHBOARDS.filter((file) => file.store === store).flatMap((file: DashboardFile) =>
    queries(file),
  );

describe("Timestream queries (grafana-timestream-datasource)", () => {
  const all = byStore("timestream");

  it.each(all)("$where reads the configured table within the dashboard time range", (query) => {
    const tables = query.text.match(/\$__database\.\$__table/g) ?? [];
    const filters = query.text.match(/\$__timeFilter/g) ?? [];
    expect(tables.length).toBeGreaterThan(0);
    expect(filters.length).toBe(tables.length);
    expect(query.text).not.toMatch(/FROM\s+"?fleet-/i);
  });

  it.each(all)("$where reads measures that the telemetry schema defines", (query) => {
    // One MULTI record a message: its columns are `section.path`, double-quoted (their dots
    // need it), beside the store's own `seq`; aliases never are quoted.
    const columns = [...query.text.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(columns.length, `${query.where}: reads no measure`).toBeGreaterThan(0);
    for (const column of columns) {
      if (TIMESTREAM_STORE_COLUMNS.has(column)) continue;
      const measure = splitMeasure(column);
      expect(measure, `${query.where}: "${column}" is not a section.path measure`).toBeDefined();
      expectKnownMeasures(query, measure?.section ?? "", [measure?.path ?? ""]);
    }
  });

  it.each(all.filter((q) => TIME_SERIES_PANELS.has(q.kind)))(
    "$where returns rows in ascending time order, binned by the panel interval",
    (query) => {
      const binAlias = query.text.match(/bin\(time, \$__interval_ms\) AS (\w+)/)?.[1];
      const order = query.text.match(/ORDER BY (\w+) ASC\s*$/)?.[1];
      expect(order).toBe(binAlias ?? "time");
      for (const [bin] of query.text.matchAll(/bin\([^)]*\)/g)) {
        expect(bin).toBe("bin(time, $__interval_ms)");
      }
    },
  );
});

describe("InfluxDB queries (Flux)", () => {
  const all = byStore("influxdb");

  it.each(all)("$where reads the data source's bucket within the dashboard time range", (query) => {
    expect(query.text).toMatch(/(from\(bucket: |schema\.tagValues\(bucket: )v\.defaultBucket/);
    if (query.kind === "variable") {
      expect(query.text).toContain("start: v.timeRangeStart, stop: v.timeRangeStop");
    } else {
      expect(query.text).toContain("|> range(start: v.timeRangeStart, stop: v.timeRangeStop)");
    }
    for (const [window] of query.text.matchAll(/aggregateWindow\([^)]*\)/g)) {
      expect(window).toContain("every: v.windowPeriod");
    }
  });

  it.each(all)("$where reads fields that the telemetry schema defines", (query) => {
    const section = onlySection(query, /r\._measurement == "([^"]+)"/g);
    const fields = [...query.text.matchAll(/r\._field == "([^"]+)"/g)].map((m) => m[1] ?? "");
    expectKnownMeasures(query, section, fields);
    const samples = (MEASURES.get(section) ?? []).map(sampleMeasure);
    for (const [, regex] of query.text.matchAll(/r\._field =~ \/((?:[^/\\]|\\.)+)\//g)) {
      expect(
        samples.some((sample) => new RegExp(regex ?? "").test(sample)),
        `${query.where}: /${regex}/ matches no "${section}" measure`,
      ).toBe(true);
    }
  });
});
