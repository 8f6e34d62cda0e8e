import {
  type _Record,
  RejectedRecordsException,
  type MeasureValue as TimestreamMeasureValue,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
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

/** Dimension holding the thing name; the section is the record's measure name. */
export const TIMESTREAM_THING_DIMENSION = "thing";
/** Measures the store adds to every record, next to the point's own. */
export const TIMESTREAM_SEQ_MEASURE = "seq";
export const TIMESTREAM_RECEIVED_AT_MEASURE = "received_at_ms";

// Timestream quotas: 100 records per WriteRecords, 256 measures per MULTI record (two are ours),
// measure values of 1..2048 characters, measure names of at most 256 bytes.
const MAX_RECORDS = 100;
const MAX_POINT_MEASURES = 256 - 2;
const MAX_VALUE_LENGTH = 2048;
const MAX_NAME_BYTES = 256;
// Columns Timestream or this adapter already uses, and prefixes Timestream reserves.
const RESERVED_NAMES = new Set([
  TIMESTREAM_THING_DIMENSION,
  TIMESTREAM_SEQ_MEASURE,
  TIMESTREAM_RECEIVED_AT_MEASURE,
  "time",
  "measure_name",
]);
const RESERVED_PREFIXES = ["ts_", "measure_value"];

/**
 * Timestream for LiveAnalytics: one MULTI record per point (measure name = section, dimension
 * `thing`, time = device time in ms), with the flattened measures plus `seq` (BIGINT) and
 * `received_at_ms` (BIGINT). Every number is a DOUBLE: a measure whose readings are sometimes
 * whole would otherwise flip between BIGINT and DOUBLE, which Timestream refuses. The record
 * version is the receive time, so a redelivered message (MQTT QoS 1) replaces its first copy
 * instead of being rejected as a conflicting duplicate.
 */
export class TimestreamTelemetryStore implements TelemetryStore {
  readonly maxPointsPerWrite = MAX_RECORDS;
  readonly #client: TimestreamWriteClient;
  readonly #database: string;
  readonly #table: string;

  constructor(options: TimestreamTelemetryStoreOptions) {
    this.#client = options.client;
    this.#database = options.database;
    this.#table = options.table;
  }

  async write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }> {
    assertBatchSize("Timestream", points.length, MAX_RECORDS);
    // Points Timestream would refuse with a ValidationException for the whole call are kept out.
    const rejected: RejectedPoint[] = [];
    const sendable: { index: number; point: TelemetryPoint }[] = [];
    points.forEach((point, index) => {
      const reason = unwritableReason(point);
      if (reason === null) sendable.push({ index, point });
      else rejected.push({ index, reason, retryable: false });
    });
    if (sendable.length > 0) rejected.push(...(await this.#writeRecords(sendable)));
    return { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  async #writeRecords(
    batch: readonly { index: number; point: TelemetryPoint }[],
  ): Promise<RejectedPoint[]> {
    try {
      await this.#send(batch.map(({ point }) => point));
      return [];
    } catch (error) {
      if (error instanceof RejectedRecordsException) {
        return (error.RejectedRecords ?? []).flatMap((record) => {
          const sent = batch[record.RecordIndex ?? -1];
          if (sent === undefined) return [];
          const reason = rejectionReason(record.Reason, record.ExistingVersion);
          return [{ index: sent.index, reason, retryable: false }];
        });
      }
      if (errorName(error) === "ValidationException" && batch.length > 1) {
        return isolateRefusedPoints(batch, (point) => this.#writeOne(point));
      }
      throw mapAwsError(TIMESTREAM_SERVICE, "WriteRecords", error);
    }
  }

  async #writeOne(point: TelemetryPoint): Promise<string | null> {
    try {
      await this.#send([point]);
      return null;
    } catch (error) {
      if (error instanceof RejectedRecordsException) {
        const record = error.RejectedRecords?.[0];
        return rejectionReason(record?.Reason, record?.ExistingVersion);
      }
      if (errorName(error) === "ValidationException") {
        return `Timestream refused the record: ${(error as Error).message}`;
      }
      throw mapAwsError(TIMESTREAM_SERVICE, "WriteRecords", error);
    }
  }

  #send(points: readonly TelemetryPoint[]): Promise<unknown> {
    const things = new Set(points.map((point) => point.thing));
    // One thing (as the ingest groups them): its dimension is common to every record.
    const common = things.size === 1 ? points[0]?.thing : undefined;
    return this.#client.send(
      new WriteRecordsCommand({
        DatabaseName: this.#database,
        TableName: this.#table,
        CommonAttributes: {
          ...(common === undefined ? {} : { Dimensions: [thingDimension(common)] }),
          MeasureValueType: "MULTI",
          TimeUnit: "MILLISECONDS",
        },
        Records: points.map((point) => timestreamRecord(point, common === undefined)),
      }),
    );
  }
}

function thingDimension(thing: string) {
  return { Name: TIMESTREAM_THING_DIMENSION, Value: thing };
}

function timestreamRecord(point: TelemetryPoint, withDimension: boolean): _Record {
  return {
    ...(withDimension ? { Dimensions: [thingDimension(point.thing)] } : {}),
    MeasureName: point.section,
    Time: String(point.time.getTime()),
    Version: point.receivedAt.getTime(),
    MeasureValues: [
      ...Object.entries(point.measures).map(([name, value]) => measureValue(name, value)),
      { Name: TIMESTREAM_SEQ_MEASURE, Value: String(point.seq), Type: "BIGINT" },
      {
        Name: TIMESTREAM_RECEIVED_AT_MEASURE,
        Value: String(point.receivedAt.getTime()),
        Type: "BIGINT",
      },
    ],
  };
}

function measureValue(name: string, value: MeasureValue): TimestreamMeasureValue {
  if (typeof value === "number") return { Name: name, Value: String(value), Type: "DOUBLE" };
  if (typeof value === "boolean") return { Name: name, Value: String(value), Type: "BOOLEAN" };
  return { Name: name, Value: value, Type: "VARCHAR" };
}

/** Why Timestream would refuse the point's record (or the whole call because of it); else null. */
function unwritableReason(point: TelemetryPoint): string | null {
  const entries = Object.entries(point.measures);
  if (entries.length > MAX_POINT_MEASURES) {
    return `section ${point.section} has ${entries.length} measures; a Timestream record holds at most ${MAX_POINT_MEASURES} besides seq and received_at_ms`;
  }
  if (!Number.isSafeInteger(point.seq) || point.seq < 0) {
    return `seq ${point.seq} is not a non-negative integer`;
  }
  for (const [name, value] of entries) {
    const where = `measure ${point.section}.${name}`;
    if (name === "" || Buffer.byteLength(name) > MAX_NAME_BYTES) {
      return `${where}: Timestream measure names have 1..${MAX_NAME_BYTES} bytes`;
    }
    if (RESERVED_NAMES.has(name) || RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      return `${where}: the name is reserved in the Timestream table (${[...RESERVED_NAMES].join(", ")}, ${RESERVED_PREFIXES.map((p) => `${p}*`).join(", ")})`;
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      return `${where}: ${value} is not a finite number`;
    }
    if (typeof value === "string" && (value.length === 0 || value.length > MAX_VALUE_LENGTH)) {
      return `${where}: Timestream VARCHAR measure values have 1..${MAX_VALUE_LENGTH} characters, got ${value.length}`;
    }
  }
  return null;
}

function rejectionReason(reason: string | undefined, existingVersion: number | undefined): string {
  const text = `Timestream rejected the record: ${reason ?? "no reason given"}`;
  return existingVersion === undefined ? text : `${text} (existing version ${existingVersion})`;
}
