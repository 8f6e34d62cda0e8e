import {
  type _Record,
  RejectedRecordsException,
  type MeasureValue as TimestreamMeasureValue,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
import { measureName } from "../../contracts/measure-name.ts";
import {
  TIMESTREAM_MEASURE_NAME,
  TIMESTREAM_RECEIVED_AT_MEASURE,
  TIMESTREAM_SEQ_MEASURE,
  TIMESTREAM_THING_DIMENSION,
} from "../../contracts/timestream-record.ts";
import type {
  MeasureValue,
  RejectedPoint,
  TelemetryPoint,
  TelemetryStore,
} from "../../ports/telemetry-store.ts";
import { errorName, mapAwsError, TIMESTREAM_SERVICE } from "./aws-errors.ts";
import { assertBatchSize, isolateRefusedPoints } from "./refused-points.ts";

export interface TimestreamTelemetryStoreOptions {
  /** Build it with AWS_CLIENT_RETRY: throttling is retried by the SDK before a write fails. */
  client: TimestreamWriteClient;
  database: string;
  table: string;
}

// Timestream for LiveAnalytics quotas (developer guide, "Quotas", ts-limits.html, read
// 2026-12-06): 100 records per WriteRecords; 256 measures per multi-measure record (two are
// ours); a record of at most 2 KB; measure names of at most 256 bytes; VARCHAR values of
// 1..2048 characters (API reference, MeasureValue).
const MAX_RECORDS = 100;
/** Messages of up to 10 sections fill a call of 100 records; messages with more fill it less. */
const MAX_POINTS = 10 * MAX_RECORDS;
const MAX_RECORD_MEASURES = 256 - 2;
const MAX_RECORD_BYTES = 2048;
const MAX_VALUE_LENGTH = 2048;
const MAX_NAME_BYTES = 256;
// System identifiers (ts-limits.html, "System identifiers"): no column may be named so or start
// so. A column is `section.path`, so only a section can run into them.
const RESERVED_NAMES = new Set(["measure_value", "ts_non_existent_col", "time"]);
const RESERVED_PREFIXES = ["ts_", "measure_name"];
// Metering sizes (developer guide, "Writes", metering-and-pricing.writes.html): time 8 bytes,
// names and strings their UTF-8 bytes, BIGINT and DOUBLE 8, BOOLEAN 1.
const TIME_BYTES = 8;

/** A point and its index in the write. */
type Indexed = { index: number; point: TelemetryPoint };

/** One MULTI record to send: the message's points it holds, by their index in the write. */
interface PendingRecord {
  indexes: number[];
  record: _Record;
  thing: string;
}

/**
 * Timestream for LiveAnalytics: one MULTI record per message (measure name `telemetry`,
 * dimension `thing`, time = device time in ms) holding every section's measures as columns
 * named `section.path` (the name operators query), plus `seq` (BIGINT) and `received_at_ms`
 * (BIGINT); 100 messages a WriteRecords call. Every number is a DOUBLE: a measure whose
 * readings are sometimes whole would otherwise flip between BIGINT and DOUBLE, which Timestream
 * refuses. The record version is the receive time, so a redelivered message (MQTT QoS 1)
 * replaces its first copy instead of being rejected as a conflicting duplicate.
 */
export class TimestreamTelemetryStore implements TelemetryStore {
  readonly maxPointsPerWrite = MAX_POINTS;
  readonly maxMessagesPerWrite = MAX_RECORDS;
  readonly #client: TimestreamWriteClient;
  readonly #database: string;
  readonly #table: string;

  constructor(options: TimestreamTelemetryStoreOptions) {
    this.#client = options.client;
    this.#database = options.database;
    this.#table = options.table;
  }

  async write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }> {
    assertBatchSize("Timestream", points.length, MAX_POINTS);
    // Points Timestream would refuse with a ValidationException for the whole call are kept out.
    const rejected: RejectedPoint[] = [];
    const sendable: Indexed[] = [];
    points.forEach((point, index) => {
      const reason = unwritableReason(point);
      if (reason === null) sendable.push({ index, point });
      else rejected.push({ index, reason, retryable: false });
    });
    const records = messageRecords(sendable);
    for (let start = 0; start < records.length; start += MAX_RECORDS) {
      rejected.push(...(await this.#writeRecords(records.slice(start, start + MAX_RECORDS))));
    }
    return { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  async #writeRecords(batch: readonly PendingRecord[]): Promise<RejectedPoint[]> {
    try {
      await this.#send(batch);
      return [];
    } catch (error) {
      if (error instanceof RejectedRecordsException) {
        return (error.RejectedRecords ?? []).flatMap((record) => {
          const sent = batch[record.RecordIndex ?? -1];
          const reason = rejectionReason(record.Reason, record.ExistingVersion);
          return (sent?.indexes ?? []).map((index) => ({ index, reason, retryable: false }));
        });
      }
      if (errorName(error) === "ValidationException" && batch.length > 1) {
        const refused = await isolateRefusedPoints(
          batch.map((record, index) => ({ index, point: record })),
          (record) => this.#writeOne(record),
        );
        return refused.flatMap(({ index, reason }) =>
          (batch[index]?.indexes ?? []).map((point) => ({
            index: point,
            reason,
            retryable: false,
          })),
        );
      }
      throw mapAwsError(TIMESTREAM_SERVICE, "WriteRecords", error);
    }
  }

  async #writeOne(record: PendingRecord): Promise<string | null> {
    try {
      await this.#send([record]);
      return null;
    } catch (error) {
      if (error instanceof RejectedRecordsException) {
        const rejected = error.RejectedRecords?.[0];
        return rejectionReason(rejected?.Reason, rejected?.ExistingVersion);
      }
      if (errorName(error) === "ValidationException") {
        return `Timestream refused the record: ${(error as Error).message}`;
      }
      throw mapAwsError(TIMESTREAM_SERVICE, "WriteRecords", error);
    }
  }

  #send(records: readonly PendingRecord[]): Promise<unknown> {
    const things = new Set(records.map((pending) => pending.thing));
    // One thing (as the ingest groups them): its dimension is common to every record.
    const common = things.size === 1 ? records[0]?.thing : undefined;
    return this.#client.send(
      new WriteRecordsCommand({
        DatabaseName: this.#database,
        TableName: this.#table,
        CommonAttributes: {
          ...(common === undefined ? {} : { Dimensions: [thingDimension(common)] }),
          MeasureValueType: "MULTI",
          TimeUnit: "MILLISECONDS",
        },
        Records: records.map(({ record, thing }) =>
          common === undefined ? { Dimensions: [thingDimension(thing)], ...record } : record,
        ),
      }),
    );
  }
}

function thingDimension(thing: string) {
  return { Name: TIMESTREAM_THING_DIMENSION, Value: thing };
}

/** The records of the points' messages, in the order the messages come. */
function messageRecords(points: readonly Indexed[]): PendingRecord[] {
  const messages = new Map<string, Indexed[]>();
  for (const entry of points) {
    const { thing, time, seq } = entry.point;
    const key = `${thing}\u0000${time.getTime()}\u0000${seq}`;
    const message = messages.get(key);
    if (message === undefined) messages.set(key, [entry]);
    else message.push(entry);
  }
  return [...messages.values()].flatMap((message) =>
    packSections(message).map(({ indexes, measures, first }, i) => ({
      indexes,
      thing: first.thing,
      record: record(first, i + 1, measures),
    })),
  );
}

/**
 * A message's sections (same thing, time and seq) in one record, or, when together they pass a
 * record's limits, in as few records as they need, in section order.
 */
function packSections(message: readonly Indexed[]) {
  const parts: { indexes: number[]; measures: TimestreamMeasureValue[]; first: TelemetryPoint }[] =
    [];
  let bytes = 0;
  for (const { index, point } of message) {
    const measures = sectionMeasures(point);
    const size = measuresBytes(measures);
    let part = parts.at(-1);
    if (
      part === undefined ||
      part.measures.length + measures.length > MAX_RECORD_MEASURES ||
      bytes + size > MAX_RECORD_BYTES
    ) {
      part = { indexes: [], measures: [], first: point };
      parts.push(part);
      bytes = recordOverheadBytes(point, parts.length);
    }
    part.indexes.push(index);
    part.measures.push(...measures);
    bytes += size;
  }
  return parts;
}

function recordMeasureName(part: number): string {
  return part === 1 ? TIMESTREAM_MEASURE_NAME : `${TIMESTREAM_MEASURE_NAME}.${part}`;
}

function record(point: TelemetryPoint, part: number, measures: TimestreamMeasureValue[]): _Record {
  return {
    MeasureName: recordMeasureName(part),
    Time: String(point.time.getTime()),
    Version: point.receivedAt.getTime(),
    MeasureValues: [
      ...measures,
      { Name: TIMESTREAM_SEQ_MEASURE, Value: String(point.seq), Type: "BIGINT" },
      {
        Name: TIMESTREAM_RECEIVED_AT_MEASURE,
        Value: String(point.receivedAt.getTime()),
        Type: "BIGINT",
      },
    ],
  };
}

function sectionMeasures(point: TelemetryPoint): TimestreamMeasureValue[] {
  return Object.entries(point.measures).map(([name, value]) =>
    measureValue(measureName(point.section, name), value),
  );
}

function measureValue(name: string, value: MeasureValue): TimestreamMeasureValue {
  if (typeof value === "number") return { Name: name, Value: String(value), Type: "DOUBLE" };
  if (typeof value === "boolean") return { Name: name, Value: String(value), Type: "BOOLEAN" };
  return { Name: name, Value: value, Type: "VARCHAR" };
}

/** A record's size before its message's measures: time, dimension, measure name, seq, receive time. */
function recordOverheadBytes(point: TelemetryPoint, part: number): number {
  return (
    TIME_BYTES +
    Buffer.byteLength(TIMESTREAM_THING_DIMENSION) +
    Buffer.byteLength(point.thing) +
    Buffer.byteLength(recordMeasureName(part)) +
    Buffer.byteLength(TIMESTREAM_SEQ_MEASURE) +
    8 +
    Buffer.byteLength(TIMESTREAM_RECEIVED_AT_MEASURE) +
    8
  );
}

function measuresBytes(measures: readonly TimestreamMeasureValue[]): number {
  let bytes = 0;
  for (const { Name, Value, Type } of measures) {
    bytes += Buffer.byteLength(Name ?? "");
    bytes += Type === "VARCHAR" ? Buffer.byteLength(Value ?? "") : Type === "BOOLEAN" ? 1 : 8;
  }
  return bytes;
}

/** Why Timestream would refuse the point's record (or the whole call because of it); else null. */
function unwritableReason(point: TelemetryPoint): string | null {
  const entries = Object.entries(point.measures);
  if (entries.length > MAX_RECORD_MEASURES) {
    return `section ${point.section} has ${entries.length} measures; a Timestream record holds at most ${MAX_RECORD_MEASURES} besides seq and received_at_ms`;
  }
  if (!Number.isSafeInteger(point.seq) || point.seq < 0) {
    return `seq ${point.seq} is not a non-negative integer`;
  }
  if (
    RESERVED_NAMES.has(point.section) ||
    RESERVED_PREFIXES.some((prefix) => point.section.startsWith(prefix))
  ) {
    return `section ${point.section}: its columns would start with a name Timestream reserves (${[...RESERVED_NAMES].join(", ")}, ${RESERVED_PREFIXES.map((p) => `${p}*`).join(", ")})`;
  }
  for (const [name, value] of entries) {
    const where = `measure ${measureName(point.section, name)}`;
    if (name === "" || Buffer.byteLength(measureName(point.section, name)) > MAX_NAME_BYTES) {
      return `${where}: Timestream measure names (section.path) have 1..${MAX_NAME_BYTES} bytes`;
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      return `${where}: ${value} is not a finite number`;
    }
    if (typeof value === "string" && (value.length === 0 || value.length > MAX_VALUE_LENGTH)) {
      return `${where}: Timestream VARCHAR measure values have 1..${MAX_VALUE_LENGTH} characters, got ${value.length}`;
    }
  }
  const bytes = recordOverheadBytes(point, 1) + measuresBytes(sectionMeasures(point));
  if (bytes > MAX_RECORD_BYTES) {
    return `section ${point.section} takes ${bytes} bytes; a Timestream record holds at most ${MAX_RECORD_BYTES}`;
  }
  return null;
}

function rejectionReason(reason: string | undefined, existingVersion: number | undefined): string {
  const text = `Timestream rejected the record: ${reason ?? "no reason given"}`;
  return existingVersion === undefined ? text : `${text} (existing version ${existingVersion})`;
}
