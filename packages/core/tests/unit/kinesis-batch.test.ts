import type { KinesisStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  ingestRecordsFromKinesis,
  kinesisBatchResponse,
} from "../../src/adapters/aws/kinesis-batch.ts";
import { fixtureJson } from "./support.ts";

// A Kinesis event as Lambda delivers it for the telemetry stream (base64 data per record).
const event = fixtureJson("kinesis-telemetry-event.json") as unknown as KinesisStreamEvent;

describe("Kinesis batches", () => {
  it("turns each record into an ingest record keyed by its sequence number", () => {
    const records = ingestRecordsFromKinesis(event);
    expect(records.map((record) => [record.id, record.partitionKey])).toEqual(
      event.Records.map(({ kinesis }) => [kinesis.sequenceNumber, kinesis.partitionKey]),
    );
    const first = JSON.parse(new TextDecoder().decode(records[0]?.data));
    expect(first).toMatchObject({ thing: "device-0001", seq: 41, heartbeat: { reconnects: 0 } });
  });

  it("keeps the exact bytes of a record that is not JSON", () => {
    const last = ingestRecordsFromKinesis(event).at(-1);
    expect(new TextDecoder().decode(last?.data)).toBe('{"schemaVersion":1,"seq":4,');
  });

  it("names each failed record by sequence number in the partial batch response", () => {
    expect(kinesisBatchResponse(["1", "2"])).toEqual({
      batchItemFailures: [{ itemIdentifier: "1" }, { itemIdentifier: "2" }],
    });
    expect(kinesisBatchResponse([])).toEqual({ batchItemFailures: [] });
  });
});
