import {
  type ColumnInfo,
  type Datum,
  QueryCommand,
  type TimestreamQueryClient,
} from "@aws-sdk/client-timestream-query";
import { splitMeasure } from "../../contracts/measure-name.ts";
import {
  TIMESTREAM_RECEIVED_AT_MEASURE,
  TIMESTREAM_SEQ_MEASURE,
  TIMESTREAM_THING_DIMENSION,
} from "../../contracts/timestream-record.ts";
import { FleetError } from "../../errors.ts";
import type {
  MeasureValue,
  TelemetryQuery,
  TelemetryReader,
  TelemetrySample,
} from "../../ports/telemetry-store.ts";
import { callAws, TIMESTREAM_SERVICE } from "./aws-errors.ts";

export interface TimestreamTelemetryReaderOptions {
  client: TimestreamQueryClient;
  database: string;
  table: string;
}

const DEFAULT_LIMIT = 1000;
// Columns of a row that are not measures.
const ROW_COLUMNS = new Set([
  TIMESTREAM_THING_DIMENSION,
  TIMESTREAM_SEQ_MEASURE,
  TIMESTREAM_RECEIVED_AT_MEASURE,
  "measure_name",
  "time",
]);

/**
 * Reads back what TimestreamTelemetryStore wrote: one row per MULTI record (a message), newest
 * first, each non-null measure column (named `section.path`) becoming a sample. Every name and
 * value from the query goes into the SQL quoted (identifiers in "", literals in ''), never
 * spliced raw.
 */
export class TimestreamTelemetryReader implements TelemetryReader {
  readonly #client: TimestreamQueryClient;
  readonly #table: string;

  constructor(options: TimestreamTelemetryReaderOptions) {
    this.#client = options.client;
    this.#table = `${quoteIdentifier(options.database)}.${quoteIdentifier(options.table)}`;
  }

  async query(query: TelemetryQuery): Promise<TelemetrySample[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    // A full measure name always has a section and a path: anything else names no measure.
    if (query.measure !== undefined && splitMeasure(query.measure) === undefined) return [];
    const conditions = [
      `${quoteIdentifier(TIMESTREAM_THING_DIMENSION)} = ${quoteLiteral(query.thing)}`,
      `time >= from_milliseconds(${query.since.getTime()})`,
      ...(query.until === undefined ? [] : [`time <= from_milliseconds(${query.until.getTime()})`]),
      ...(query.measure === undefined ? [] : [`${quoteIdentifier(query.measure)} IS NOT NULL`]),
    ];
    // Every row holds at least one sample, so `limit` rows are enough for `limit` samples.
    const sql = `SELECT * FROM ${this.#table} WHERE ${conditions.join(" AND ")} ORDER BY time DESC LIMIT ${limit}`;
    const samples: TelemetrySample[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws(TIMESTREAM_SERVICE, "Query", () =>
        this.#client.send(new QueryCommand({ QueryString: sql, NextToken: nextToken })),
      );
      for (const row of page.Rows ?? []) {
        samples.push(...rowSamples(page.ColumnInfo ?? [], row.Data ?? [], query.measure));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return samples.slice(0, limit);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function rowSamples(
  columns: readonly ColumnInfo[],
  data: readonly Datum[],
  measure: string | undefined,
): TelemetrySample[] {
  const cells = new Map<string, MeasureValue | Date | null>();
  columns.forEach((column, i) => {
    cells.set(column.Name ?? "", cellValue(column, data[i]));
  });
  const thing = cells.get(TIMESTREAM_THING_DIMENSION);
  const time = cells.get("time");
  const seq = cells.get(TIMESTREAM_SEQ_MEASURE);
  if (typeof thing !== "string" || !(time instanceof Date) || typeof seq !== "number") {
    throw new FleetError(
      "Timestream answered a row without thing, time and seq: is the table written by TimestreamTelemetryStore?",
    );
  }
  const samples: TelemetrySample[] = [];
  for (const [name, value] of cells) {
    if (ROW_COLUMNS.has(name) || value === null || value instanceof Date) continue;
    if (measure === undefined || measure === name) {
      samples.push({ thing, time, seq, measure: name, value });
    }
  }
  return samples;
}

function cellValue(column: ColumnInfo, datum: Datum | undefined): MeasureValue | Date | null {
  const text = datum?.ScalarValue;
  if (datum?.NullValue === true || text === undefined) return null;
  switch (column.Type?.ScalarType) {
    case "DOUBLE":
    case "BIGINT":
    case "INTEGER":
      return Number(text);
    case "BOOLEAN":
      return text === "true";
    case "TIMESTAMP":
      return timestreamTime(text);
    default:
      return text;
  }
}

/** `2026-11-02 10:15:30.123000000` (UTC, nanoseconds) -> Date (milliseconds). */
function timestreamTime(text: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (match === null) throw new FleetError(`Timestream answered an unreadable timestamp: ${text}`);
  const millis = (match[3] ?? "").padEnd(3, "0").slice(0, 3);
  return new Date(`${match[1]}T${match[2]}.${millis}Z`);
}
