import { parse } from "csv-parse/sync";
import { measureName, splitMeasure } from "../../contracts/measure-name.ts";
import type {
  MeasureValue,
  TelemetryQuery,
  TelemetryReader,
  TelemetrySample,
} from "../../ports/telemetry-store.ts";
import { TelemetryStoreError } from "../../telemetry/telemetry-errors.ts";
import { type InfluxDbOptions, influxDbCallError, influxDbRequest } from "./influxdb-http.ts";
import {
  INFLUXDB_RECEIVED_AT_FIELD,
  INFLUXDB_SEQ_FIELD,
  INFLUXDB_THING_TAG,
} from "./influxdb-line-protocol.ts";

export type InfluxDbTelemetryReaderOptions = InfluxDbOptions;

const DEFAULT_LIMIT = 1000;
// Columns of a pivoted row that are not measures of the section.
const ROW_COLUMNS = new Set([
  "",
  "result",
  "table",
  "_start",
  "_stop",
  "_time",
  "_measurement",
  INFLUXDB_THING_TAG,
  INFLUXDB_SEQ_FIELD,
  INFLUXDB_RECEIVED_AT_FIELD,
]);

/**
 * Reads back what InfluxDbTelemetryStore wrote, with a Flux query (POST /api/v2/query): the
 * fields of each point pivoted into one row, newest first, each non-empty field becoming a
 * `section.field` sample. InfluxDB OSS takes no query parameters, so every value from the
 * query goes into the Flux source as an escaped string literal.
 */
export class InfluxDbTelemetryReader implements TelemetryReader {
  readonly #options: InfluxDbOptions;

  constructor(options: InfluxDbTelemetryReaderOptions) {
    this.#options = { ...options };
  }

  async query(query: TelemetryQuery): Promise<TelemetrySample[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const measure = query.measure === undefined ? undefined : splitMeasure(query.measure);
    // A full measure name always has a section and a path: anything else names no measure.
    if (query.measure !== undefined && measure === undefined) return [];
    const answer = await influxDbRequest(this.#options, "query", "api/v2/query", {
      query: { org: this.#options.organization },
      contentType: "application/json",
      accept: "application/csv",
      body: JSON.stringify({
        query: fluxQuery(this.#options.bucket, query, measure, limit),
        type: "flux",
        dialect: { header: true, annotations: ["datatype"], dateTimeFormat: "RFC3339Nano" },
      }),
    });
    if (answer.status !== 200) throw influxDbCallError("query", this.#options, answer);
    const rows = annotatedCsvRows(answer.body);
    // Each table (section) came sorted and limited on its own: merge them, newest first.
    rows.sort((a, b) => b.time.getTime() - a.time.getTime());
    return rows
      .flatMap((row) =>
        row.samples.filter((s) => query.measure === undefined || s.measure === query.measure),
      )
      .slice(0, limit);
  }
}

/**
 * The Flux for one query. Each point's fields (its measures, seq) are pivoted into one row, so
 * `limit` rows per section hold the newest `limit` samples: every row has at least one.
 */
function fluxQuery(
  bucket: string,
  query: TelemetryQuery,
  measure: { section: string; path: string } | undefined,
  limit: number,
): string {
  const start = query.since.toISOString();
  const stop =
    query.until === undefined ? "now()" : new Date(query.until.getTime() + 1).toISOString();
  return [
    `from(bucket: ${fluxString(bucket)})`,
    `  |> range(start: ${start}, stop: ${stop})`,
    `  |> filter(fn: (r) => r[${fluxString(INFLUXDB_THING_TAG)}] == ${fluxString(query.thing)})`,
    ...(measure === undefined
      ? []
      : [
          `  |> filter(fn: (r) => r._measurement == ${fluxString(measure.section)} and (r._field == ${fluxString(measure.path)} or r._field == ${fluxString(INFLUXDB_SEQ_FIELD)}))`,
        ]),
    `  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`,
    ...(measure === undefined
      ? []
      : [`  |> filter(fn: (r) => exists r[${fluxString(measure.path)}])`]),
    `  |> sort(columns: ["_time"], desc: true)`,
    `  |> limit(n: ${limit})`,
  ].join("\n");
}

/** A Flux string literal: backslash, quote and the `${` of interpolation escaped. */
function fluxString(value: string): string {
  const escaped = value
    .replace(/[\\"]/g, "\\$&")
    .replaceAll("${", "\\${")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  return `"${escaped}"`;
}

interface Row {
  time: Date;
  samples: TelemetrySample[];
}

/**
 * Rows of InfluxDB's annotated CSV: per table a `#datatype` line, a header, then records; a
 * blank line before the next table. An error met while streaming comes as an `error` table.
 */
function annotatedCsvRows(csv: string): Row[] {
  const records: string[][] = parse(csv, { relax_column_count: true, skip_empty_lines: true });
  const rows: Row[] = [];
  let types: string[] = [];
  let header: string[] | undefined;
  for (const record of records) {
    if (record[0] === "#datatype") {
      types = record;
      header = undefined;
    } else if (header === undefined) {
      header = record;
    } else if (header.includes("error")) {
      throw new TelemetryStoreError(`InfluxDB query failed: ${record[header.indexOf("error")]}`, {
        operation: "query",
        status: 200,
      });
    } else {
      rows.push(csvRow(header, types, record));
    }
  }
  return rows;
}

function csvRow(
  header: readonly string[],
  types: readonly string[],
  record: readonly string[],
): Row {
  const cell = (name: string) => record[header.indexOf(name)] ?? "";
  const time = new Date(cell("_time"));
  const section = cell("_measurement");
  const thing = cell(INFLUXDB_THING_TAG);
  const seq = Number.parseInt(cell(INFLUXDB_SEQ_FIELD), 10);
  if (Number.isNaN(time.getTime()) || section === "" || thing === "" || Number.isNaN(seq)) {
    throw new TelemetryStoreError(
      "InfluxDB answered a row without _time, _measurement, thing and seq: is the bucket written by InfluxDbTelemetryStore?",
      { operation: "query", status: 200 },
    );
  }
  const samples: TelemetrySample[] = [];
  header.forEach((name, i) => {
    const text = record[i] ?? "";
    // An empty cell is a field this point does not have (annotated CSV cannot tell "" apart).
    if (ROW_COLUMNS.has(name) || text === "") return;
    samples.push({
      thing,
      time,
      seq,
      measure: measureName(section, name),
      value: typed(types[i], text),
    });
  });
  return { time, samples };
}

function typed(type: string | undefined, text: string): MeasureValue {
  switch (type) {
    case "double":
    case "long":
    case "unsignedLong":
      return Number(text);
    case "boolean":
      return text === "true";
    default:
      return text;
  }
}
