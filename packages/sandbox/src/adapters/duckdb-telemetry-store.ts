import type { DuckDBAppender } from "@duckdb/node-api";
import type { RejectedPoint, TelemetryPoint, TelemetryStore } from "@fleet/core";
import { measureName } from "@fleet/core/contracts";
import type { TelemetryDatabase } from "./telemetry-database.ts";

const STAGING = `
  CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (
    thing VARCHAR, time_ms BIGINT, received_at_ms BIGINT, seq BIGINT, measure VARCHAR,
    value_double DOUBLE, value_text VARCHAR, value_bool BOOLEAN
  )`;

/**
 * The sandbox's TelemetryStore: each measure of a point becomes one row of the long
 * `telemetry` table, named `section.path` as readers query it. Rows go through the appender
 * into a staging table, then into `telemetry` ignoring keys already there (see
 * `openTelemetryDatabase`), so a redelivered record is stored once.
 */
export class DuckDbTelemetryStore implements TelemetryStore {
  /** As many as Timestream takes, so the ingest batches the same way everywhere. */
  readonly maxPointsPerWrite = 100;
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
    await this.#database.exclusive(async (connection) => {
      await connection.run(STAGING);
      const appender = await connection.createAppender("telemetry_staging");
      try {
        for (const point of accepted) appendPoint(appender, point);
      } finally {
        appender.closeSync();
      }
      await connection.run(`
        INSERT OR IGNORE INTO telemetry
        SELECT thing, epoch_ms(time_ms), epoch_ms(received_at_ms), seq, measure,
               value_double, value_text, value_bool
        FROM telemetry_staging;
        DELETE FROM telemetry_staging;`);
    });
    return { rejected };
  }
}

function appendPoint(appender: DuckDBAppender, point: TelemetryPoint): void {
  for (const [name, value] of Object.entries(point.measures)) {
    appender.appendVarchar(point.thing);
    appender.appendBigInt(BigInt(point.time.getTime()));
    appender.appendBigInt(BigInt(point.receivedAt.getTime()));
    appender.appendBigInt(BigInt(point.seq));
    appender.appendVarchar(measureName(point.section, name));
    if (typeof value === "number") appender.appendDouble(value);
    else appender.appendNull();
    if (typeof value === "string") appender.appendVarchar(value);
    else appender.appendNull();
    if (typeof value === "boolean") appender.appendBoolean(value);
    else appender.appendNull();
    appender.endRow();
  }
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
