import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { IngestRecord } from "../../use-cases/ingest-telemetry.ts";

/**
 * A Kinesis event (Lambda's, or one the sandbox poller builds from GetRecords) as ingest
 * records: data base64-decoded, identified by sequence number as partial batch responses are.
 */
export function ingestRecordsFromKinesis(event: KinesisStreamEvent): IngestRecord[] {
  return event.Records.map(({ kinesis }) => ({
    id: kinesis.sequenceNumber,
    partitionKey: kinesis.partitionKey,
    data: Buffer.from(kinesis.data, "base64"),
  }));
}

/**
 * The partial batch response (function response type `ReportBatchItemFailures`): Lambda
 * checkpoints before the lowest failed sequence number and delivers the batch again from there.
 */
export function kinesisBatchResponse(failedIds: readonly string[]): KinesisStreamBatchResponse {
  return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
