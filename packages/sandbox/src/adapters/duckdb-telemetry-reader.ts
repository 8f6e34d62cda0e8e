import type { MeasureValue, TelemetryQuery, TelemetryReader, TelemetrySample } from "@fleet/core";
import type { TelemetryDatabase } from "./telemetry-database.ts";

const DEFAULT_LIMIT = 1000;

/** Reads the sandbox's `telemetry` table back as samples, newest first (bound parameters only). */
export class DuckDbTelemetryReader implements TelemetryReader {
  readonly #database: TelemetryDatabase;

  constructor(options: { database: TelemetryDatabase }) {
    this.#database = options.database;
  }

  async query(query: TelemetryQuery): Promise<TelemetrySample[]> {
    const conditions = ["thing = $thing", "time >= $since"];
    const values: Record<string, string | number> = {
      thing: query.thing,
      since: timestampLiteral(query.since),
      limit: query.limit ?? DEFAULT_LIMIT,
    };
    if (query.until !== undefined) {
      conditions.push("time < $until");
      values.until = timestampLiteral(query.until);
    }
    if (query.measure !== undefined) {
      conditions.push("measure = $measure");
      values.measure = query.measure;
    }
    const reader = await this.#database.read((connection) =>
      connection.runAndReadAll(
        `SELECT thing, epoch_ms(time) AS time_ms, seq, measure, value_double, value_text, value_bool
         FROM telemetry WHERE ${conditions.join(" AND ")}
         ORDER BY time DESC, measure LIMIT $limit`,
        values,
      ),
    );
    return reader.getRowObjectsJS().map((row) => ({
      thing: String(row.thing),
      time: new Date(Number(row.time_ms)),
      seq: Number(row.seq),
      measure: String(row.measure),
      value: measureValue(row),
    }));
  }
}

/** The table's TIMESTAMP is UTC without a zone: compare with a UTC literal. */
function timestampLiteral(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

function measureValue(row: Record<string, unknown>): MeasureValue {
  if (typeof row.value_double === "number") return row.value_double;
  if (typeof row.value_bool === "boolean") return row.value_bool;
  return String(row.value_text);
}
