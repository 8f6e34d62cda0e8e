import type { DuckDBAppender } from "@duckdb/node-api";
import type { MeasureValue, RejectedPoint, TelemetryPoint, TelemetryStore } from "@fleet/core";
import { measureName } from "@fleet/core/contracts";
import type { TelemetryDatabase } from "./telemetry-database.ts";

/**
 * One staged row per point, its measures one JSON object keyed by full measure name: the
 * appender then costs six calls a point instead of nine a measure (about 50 a message), and
 * DuckDB unnests the measures on its own threads.
 */
const STAGING = `
  CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (
    ordinal INTEGER, thing VARCHAR, time_ms BIGINT, received_at_ms BIGINT, seq BIGINT,
    measures JSON
  )`;

/**
 * The staged measures, one row each, whose key (thing, measure, time) the table does not hold
 * yet, the first of each key once. The key check only reads rows within the batch's time
 * range: rows arrive about in time order, so DuckDB's per-row-group min/max of `time` skips
 * all but the newest few row groups, and the check costs the same at any table size.
 */
function insertNewRows(range: { fromMs: number; toMs: number }): string {
  return `
    INSERT INTO telemetry
    SELECT thing, epoch_ms(time_ms), epoch_ms(received_at_ms), seq, measure,
           value_double, value_text, value_bool
    FROM (
      SELECT point.ordinal, point.thing, point.time_ms, point.received_at_ms, point.seq,
             measure.key AS measure,
             CASE WHEN json_type(measure.value) IN ('DOUBLE', 'BIGINT', 'UBIGINT')
                  THEN measure.value::DOUBLE END AS value_double,
             CASE WHEN json_type(measure.value) = 'VARCHAR'
                  THEN measure.value ->> '$' END AS value_text,
             CASE WHEN json_type(measure.value) = 'BOOLEAN'
                  THEN measure.value::BOOLEAN END AS value_bool
      FROM telemetry_staging AS point, json_each(point.measures) AS measure
    ) AS staged
    WHERE NOT EXISTS (
      SELECT 1 FROM telemetry AS stored
      WHERE stored.time BETWEEN epoch_ms(${range.fromMs}::BIGINT) AND epoch_ms(${range.toMs}::BIGINT)
        AND stored.thing = staged.thing AND stored.measure = staged.measure
        AND stored.time = epoch_ms(staged.time_ms))
    QUALIFY row_number() OVER (PARTITION BY thing, measure, time_ms ORDER BY ordinal) = 1`;
}

/**
 * The sandbox's TelemetryStore: each measure of a point becomes one row of the long
 * `telemetry` table, named `section.path` as readers query it. Rows go through the appender
 * into a staging table, then into `telemetry` but for keys already there (see
 * `openTelemetryDatabase`), so a redelivered record is stored once.
 */
export class DuckDbTelemetryStore implements TelemetryStore {
  /**
   * A whole ingest invocation's points at once (the stage's mapping hands over up to 500
   * messages, of up to four sections each). A local write costs mostly per call (appender,
   * staging, key check), not per row: at Timestream's 100 a call, 1,000 devices at a message a
   * second kept the store busy 70% of the time; at 2,000, about 20%. The stage's own write
   * calls are counted against its stores (`telemetry-ingest` bench), not here.
   */
  readonly maxPointsPerWrite = 2_000;
  readonly #database: TelemetryDatabase;

  constructor(options: { database: TelemetryDatabase }) {
    this.#database = options.database;
  }

  async write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }> {
    const rejected: RejectedPoint[] = [];
    const accepted = points.filter((point, index) => {
      const reason = refusal(point);
      if (reason !== undefined) rejected.push({ index, reason, retryable: false });
      return reason === undefined;
    });
    if (accepted.length === 0) return { rejected };
    const times = accepted.map((point) => point.time.getTime());
    const range = { fromMs: Math.min(...times), toMs: Math.max(...times) };
    await this.#database.exclusive(async (connection) => {
      await connection.run(STAGING);
      const appender = await connection.createAppender("telemetry_staging");
      try {
        for (const [ordinal, point] of accepted.entries()) appendPoint(appender, point, ordinal);
      } finally {
        appender.closeSync();
      }
      await connection.run(insertNewRows(range));
      await connection.run("DELETE FROM telemetry_staging");
    });
    return { rejected };
  }
}

function appendPoint(appender: DuckDBAppender, point: TelemetryPoint, ordinal: number): void {
  const measures: Record<string, MeasureValue> = {};
  for (const [name, value] of Object.entries(point.measures)) {
    measures[measureName(point.section, name)] = value;
  }
  appender.appendInteger(ordinal);
  appender.appendVarchar(point.thing);
  appender.appendBigInt(BigInt(point.time.getTime()));
  appender.appendBigInt(BigInt(point.receivedAt.getTime()));
  appender.appendBigInt(BigInt(point.seq));
  appender.appendVarchar(JSON.stringify(measures));
  appender.endRow();
}

/** Why the table cannot hold this point (a store refuses a record, it never mangles it). */
function refusal(point: TelemetryPoint): string | undefined {
  if (Number.isNaN(point.time.getTime())) return "time is not a valid date";
  if (Number.isNaN(point.receivedAt.getTime())) return "receivedAt is not a valid date";
  if (!Number.isSafeInteger(point.seq) || point.seq < 0)
    return `seq ${point.seq} is not an integer`;
  const infinite = Object.entries(point.measures).find(
    ([, value]) => typeof value === "number" && !Number.isFinite(value),
  );
  if (infinite !== undefined)
    return `measure ${point.section}.${infinite[0]} is not a finite number`;
  return undefined;
}
