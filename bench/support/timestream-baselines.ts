// The Timestream write shapes the ingest bench compares the handler with, built from the same
// stream records: the naive writer (one WriteRecords per message, a single-measure record per
// value) and the previous shape (one MULTI record per section, 100 records a call), kept to
// show what one record a message saves in calls and what it costs in metered bytes.
import type { _Record, WriteRecordsCommandInput } from "@aws-sdk/client-timestream-write";
import { flattenMeasures, type MeasureValue } from "@fleet/core";
import { TelemetryRecordSchema } from "@fleet/core/contracts";

/** A stream record's message, validated and flattened section by section. */
export interface DecodedMessage {
  thing: string;
  receivedAt: number;
  seq: number;
  time: string;
  sections: [section: string, measures: Record<string, MeasureValue>][];
}

const TABLE = { DatabaseName: "bench", TableName: "telemetry" };

/** Decodes a Kinesis record's base64 data as the ingest does: UTF-8 JSON, then the contract. */
export function decodeMessage(data: string): DecodedMessage {
  const json: unknown = JSON.parse(Buffer.from(data, "base64").toString("utf8"));
  const { thing, receivedAt, message } = TelemetryRecordSchema.parse(json);
  const { schemaVersion: _version, seq, deviceTime, ...sections } = message;
  return {
    thing,
    receivedAt,
    seq,
    time: String(Date.parse(deviceTime)),
    sections: Object.entries(sections).map(([section, body]) => [
      section,
      flattenMeasures(body as object),
    ]),
  };
}

function valueType(value: MeasureValue): "DOUBLE" | "BOOLEAN" | "VARCHAR" {
  return typeof value === "number" ? "DOUBLE" : typeof value === "boolean" ? "BOOLEAN" : "VARCHAR";
}

/** The naive shape: one single-measure record per value, plus seq, in one call per message. */
export function naiveWrite(message: DecodedMessage): WriteRecordsCommandInput {
  const record = (name: string, value: string, type: _Record["MeasureValueType"]): _Record => ({
    Dimensions: [{ Name: "thing", Value: message.thing }],
    MeasureName: name,
    MeasureValue: value,
    MeasureValueType: type,
    Time: message.time,
    Version: message.receivedAt,
  });
  const records = message.sections.flatMap(([section, measures]) =>
    Object.entries(measures).map(([name, value]) =>
      record(`${section}.${name}`, String(value), valueType(value)),
    ),
  );
  records.push(record("seq", String(message.seq), "BIGINT"));
  return { ...TABLE, Records: records };
}

/**
 * The previous shape: a MULTI record per section (measure_name = section, columns = paths,
 * `seq`, `received_at_ms`), one thing's records side by side, 100 records a call.
 */
export function perSectionWrites(messages: readonly DecodedMessage[]): WriteRecordsCommandInput[] {
  const records = [...messages]
    .sort((a, b) => (a.thing < b.thing ? -1 : a.thing > b.thing ? 1 : 0))
    .flatMap((message) =>
      message.sections.map(
        ([section, measures]): _Record => ({
          Dimensions: [{ Name: "thing", Value: message.thing }],
          MeasureName: section,
          Time: message.time,
          Version: message.receivedAt,
          MeasureValues: [
            ...Object.entries(measures).map(([name, value]) => ({
              Name: name,
              Value: String(value),
              Type: valueType(value),
            })),
            { Name: "seq", Value: String(message.seq), Type: "BIGINT" },
            { Name: "received_at_ms", Value: String(message.receivedAt), Type: "BIGINT" },
          ],
        }),
      ),
    );
  const writes: WriteRecordsCommandInput[] = [];
  for (let start = 0; start < records.length; start += 100) {
    writes.push({
      ...TABLE,
      CommonAttributes: { MeasureValueType: "MULTI", TimeUnit: "MILLISECONDS" },
      Records: records.slice(start, start + 100),
    });
  }
  return writes;
}
