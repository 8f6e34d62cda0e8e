import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_DASHBOARDS, queries, TIME_SERIES_PANELS } from "./dashboard-files.ts";
import { provisionedTimestreamSettings } from "./provisioned-settings.ts";
import { sampleTelemetry } from "./sample-telemetry.ts";
import { expandTimestreamQuery, type PanelContext } from "./timestream-macros.ts";
import { openTimestreamOnDuckDb, type TimestreamOnDuckDb } from "./timestream-on-duckdb.ts";
import { trinoSyntaxProblems } from "./trino-syntax.ts";

/**
 * Each Timestream query, expanded as Grafana and the plugin expand it, checked twice: against
 * Trino's grammar and parser rules (trino-syntax.ts), and run on the sandbox's telemetry store
 * through a translation to DuckDB (timestream-on-duckdb.ts); each file says what it misses.
 */

const PANEL: PanelContext = {
  from: new Date("2026-12-06T05:00:00Z"),
  to: new Date("2026-12-06T06:00:00Z"),
  intervalMs: 60_000,
  variables: { device: "thing-1" },
};

const SETTINGS = provisionedTimestreamSettings();

const TIMESTREAM_QUERIES = ALL_DASHBOARDS.filter((file) => file.store === "timestream").flatMap(
  queries,
);

describe("Timestream dashboard queries as Timestream receives them", () => {
  it.each(TIMESTREAM_QUERIES)("$where is valid Trino-family SQL", (query) => {
    const sql = expandTimestreamQuery(query.text, SETTINGS, PANEL);
    expect(trinoSyntaxProblems(sql), sql).toEqual([]);
  });

  describe("run on the sandbox's telemetry store", () => {
    const DAY_MS = 86_400_000;
    let store: TimestreamOnDuckDb;

    beforeAll(async () => {
      const now = Date.now();
      store = await openTimestreamOnDuckDb({
        ...SETTINGS,
        records: sampleTelemetry({
          things: [
            { name: "thing-1", certificateNotAfter: new Date(now + 10 * DAY_MS) },
            { name: "thing-2", certificateNotAfter: new Date(now + 90 * DAY_MS) },
          ],
          from: PANEL.from,
          to: PANEL.to,
        }),
      });
    });
    afterAll(() => store.close());

    it.each(TIMESTREAM_QUERIES)("$where answers rows", async (query) => {
      const rows = await store.query(expandTimestreamQuery(query.text, SETTINGS, PANEL));
      expect(rows.length).toBeGreaterThan(0);
      if (!TIME_SERIES_PANELS.has(query.kind)) return;
      const times = rows.map((row) => Number(row.binned_time ?? row.time));
      expect(times.every(Number.isFinite)).toBe(true);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });

    it("refuses what Timestream refuses: 32-bit literal overflow, an alias led by a digit", async () => {
      const overflow = 'SELECT 1 FROM "fleet-dev".telemetry WHERE seq < 30 * 86400000';
      await expect(store.query(overflow)).rejects.toThrow(/Overflow in multiplication of INT32/);
      const alias = 'SELECT avg("load1") AS 1_min FROM "fleet-dev".telemetry';
      await expect(store.query(alias)).rejects.toThrow(/syntax error/);
    });

    it("counts only the certificates expiring within 30 days", async () => {
      const query = TIMESTREAM_QUERIES.find((q) => q.where.includes("expiring within 30 days"));
      const rows = await store.query(expandTimestreamQuery(query?.text ?? "", SETTINGS, PANEL));
      expect(rows).toEqual([{ expiring: 1n }]);
    });
  });

  it("reads the provisioned database quoted, as the plugin inserts it raw", () => {
    const sql = expandTimestreamQuery("SELECT * FROM $__database.$__table", SETTINGS, PANEL);
    expect(sql).toBe('SELECT * FROM "fleet-dev".telemetry');
    expect(trinoSyntaxProblems(sql)).toEqual([]);
  });
});

describe("the Timestream query check", () => {
  it("refuses a database name with a hyphen inserted unquoted", () => {
    const sql = expandTimestreamQuery(
      "SELECT * FROM $__database.$__table",
      { database: "fleet-dev", table: "telemetry" },
      PANEL,
    );
    expect(trinoSyntaxProblems(sql)).toEqual([expect.stringContaining("'-' is not valid")]);
  });

  it("refuses an alias starting with a digit, as Trino's parser does", () => {
    expect(trinoSyntaxProblems('SELECT avg("load1") AS 1_min FROM t')).toEqual([
      "line 1:24: identifiers must not start with a digit; surround the identifier with double quotes",
    ]);
  });

  it("refuses a reserved word as an alias", () => {
    expect(trinoSyntaxProblems('SELECT "on" AS on FROM t')).toEqual([
      expect.stringContaining("'on' is not valid at this position"),
    ]);
  });

  it("refuses integer literal arithmetic that overflows a 32-bit int", () => {
    expect(trinoSyntaxProblems("SELECT 1 FROM t WHERE x < 30 * 86400000")).toEqual([
      expect.stringContaining("integer overflow: 30*86400000 = 2592000000"),
    ]);
    expect(trinoSyntaxProblems("SELECT 1 FROM t WHERE x < 30 * 86400")).toEqual([]);
    // A literal past 32 bits is a bigint, so arithmetic with it is 64-bit.
    expect(trinoSyntaxProblems("SELECT 1 FROM t WHERE x < 30 * 2592000000")).toEqual([]);
  });

  it("takes the plugin's $__interval_ms, a Timestream duration literal, as an interval", () => {
    const sql = expandTimestreamQuery("SELECT bin(time, $__interval_ms) FROM t", SETTINGS, PANEL);
    expect(sql).toBe("SELECT bin(time, 60000ms) FROM t");
    expect(trinoSyntaxProblems(sql)).toEqual([]);
  });
});
