import { telemetryPoints } from "@fleet/core";

import { type TelemetryRecord, TIMESTREAM_MEASURE_NAME } from "@fleet/core/contracts";
import { DuckDbTelemetryStore } from "../../packages/sandbox/src/adapters/duckdb-telemetry-store.ts";
import {
  openTelemetryDatabase,
  type TelemetryDatabase,
} from "../../packages/sandbox/src/adapters/telemetry-database.ts";
import { replaceDurations } from "./timestream-durations.ts";

/**
 * The sandbox's telemetry store (DuckDB) answering Timestream's SQL, so a dashboard query can
 * be run against data the real pipeline stored. The translation, each part for a reason:
 * 1. Data: the records go through core's `telemetryPoints` and the sandbox's
 *    `DuckDbTelemetryStore`, as the sandbox ingest writes them (one long row per measure).
 * 2. Table: a view `<database>.<table>` (e.g. `"fleet-dev".telemetry`) gives those rows the
 *    shape TimestreamTelemetryStore writes: one row per message, a MULTI record (`thing`,
 *    `measure_name` = `telemetry`, `time`), one typed column per measure named `section.path`
 *    (`"heartbeat.buffer.queued"`), plus `seq` and `received_at_ms`. The query's FROM is left
 *    as the plugin expanded it.
 * 3. Timestream-only syntax: a duration literal (`60000ms`) becomes `CAST('60000ms' AS
 *    INTERVAL)`, which DuckDB reads with the same units.
 * 4. Timestream functions DuckDB lacks or names differently, as macros with Timestream's
 *    documented meaning (developer guide, date/time functions): `from_milliseconds(bigint)` ->
 *    timestamp, `to_milliseconds(timestamp)` -> bigint, `bin(timestamp, interval)` -> the start
 *    of the interval-wide bin counted from the epoch. Macros shadow DuckDB's own `bin` and
 *    `to_milliseconds` in this throwaway database only.
 * Everything else (max_by, avg, count, CAST, BETWEEN, sub-selects) is the same in both.
 *
 * What it can still miss: functions DuckDB has and Timestream does not (or with other
 * semantics); DuckDB's friendlier typing (implicit casts, `now()` with a time zone); Timestream's
 * limits (query size, scanned data). The Trino-grammar check (trino-syntax.ts) covers syntax.
 */
export interface TimestreamOnDuckDb {
  /** Runs Timestream SQL (macros already expanded); rows with JS values. */
  query(timestreamSql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openTimestreamOnDuckDb(options: {
  /** The database as the query names it, quotes included: `"fleet-dev"`. */
  database: string;
  table: string;
  records: readonly TelemetryRecord[];
}): Promise<TimestreamOnDuckDb> {
  const database = await openTelemetryDatabase(":memory:");
  const store = new DuckDbTelemetryStore({ database });
  const points = options.records.flatMap(telemetryPoints);
  for (let i = 0; i < points.length; i += store.maxPointsPerWrite) {
    const { rejected } = await store.write(points.slice(i, i + store.maxPointsPerWrite));
    if (rejected.length > 0) throw new Error(`the store refused ${JSON.stringify(rejected)}`);
  }
  await database.connection.run(FUNCTIONS);
  await database.connection.run(`CREATE SCHEMA ${options.database}`);
  await database.connection.run(
    `CREATE VIEW ${options.database}.${options.table} AS ${await multiRecordRows(database)}`,
  );
  return {
    async query(timestreamSql) {
      const sql = replaceDurations(timestreamSql, (literal) => `CAST('${literal}' AS INTERVAL)`);
      const reader = await database.exclusive((connection) => connection.runAndReadAll(sql));
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
    close: () => database.close(),
  };
}

const FUNCTIONS = `
  CREATE MACRO from_milliseconds(ms) AS make_timestamp(CAST(ms AS BIGINT) * 1000);
  CREATE MACRO to_milliseconds(ts) AS epoch_ms(ts);
  CREATE MACRO bin(ts, width) AS time_bucket(width, ts, TIMESTAMP '1970-01-01');
`;

const VALUE_COLUMNS = ["value_double", "value_text", "value_bool"] as const;

/** SELECT pivoting the sandbox's long rows into Timestream's rows: one MULTI record a message. */
async function multiRecordRows(database: TelemetryDatabase): Promise<string> {
  const reader = await database.connection.runAndReadAll(`
    SELECT DISTINCT measure,
      value_double IS NOT NULL AS is_double, value_text IS NOT NULL AS is_text
    FROM main.telemetry ORDER BY measure`);
  const columns = new Map<string, (typeof VALUE_COLUMNS)[number]>();
  for (const row of reader.getRowObjectsJS()) {
    const measure = String(row.measure);
    const column = row.is_double ? "value_double" : row.is_text ? "value_text" : "value_bool";
    // Timestream keeps one type per measure column and refuses a record that changes it.
    if ((columns.get(measure) ?? column) !== column) {
      throw new Error(`measure ${measure} is stored with two types`);
    }
    columns.set(measure, column);
  }
  const measures = [...columns].map(
    ([measure, column]) =>
      `any_value(${column}) FILTER (WHERE measure = '${measure.replaceAll("'", "''")}') AS "${measure.replaceAll('"', '""')}"`,
  );
  return `
    SELECT thing, '${TIMESTREAM_MEASURE_NAME}' AS measure_name, time,
      any_value(seq) AS seq, epoch_ms(any_value(received_at)) AS received_at_ms,
      ${measures.join(",\n      ")}
    FROM main.telemetry
    GROUP BY thing, time`;
}
