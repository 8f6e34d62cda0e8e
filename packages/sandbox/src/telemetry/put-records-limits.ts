/**
 * Kinesis Data Streams' PutRecords limits (API reference, PutRecords): "Each PutRecords request
 * can support up to 500 records. Each record in the request can be as large as 1 MiB, up to a
 * limit of 5 MiB for the entire request, including partition keys", and "The record size limit
 * applies to the total size of the partition key and data blob".
 */
export const PUT_RECORDS_LIMITS = {
  recordsPerCall: 500,
  recordBytes: 1024 * 1024,
  callBytes: 5 * 1024 * 1024,
} as const;

/** What one record counts toward the limits: its data and its partition key. */
export interface SizedRecord {
  output: Buffer;
  partitionKey: string;
}

export function recordBytes(record: SizedRecord): number {
  return record.output.length + Buffer.byteLength(record.partitionKey);
}

/** Why this record can never be put, or undefined. */
export function oversizedRecordReason(record: SizedRecord): string | undefined {
  const bytes = recordBytes(record);
  if (bytes <= PUT_RECORDS_LIMITS.recordBytes) return undefined;
  return `record of ${bytes} bytes (data and partition key) exceeds Kinesis's ${PUT_RECORDS_LIMITS.recordBytes}-byte record limit`;
}

/**
 * Removes from the front of `queue` the longest run of records one PutRecords call takes
 * (count and bytes), in order. It stops before a record over the record limit, which no call
 * takes: empty when that record is first.
 */
export function takeBatch<T extends SizedRecord>(queue: T[]): T[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && count < PUT_RECORDS_LIMITS.recordsPerCall) {
    const next = recordBytes(queue[count] as T);
    if (next > PUT_RECORDS_LIMITS.recordBytes) break;
    if (bytes + next > PUT_RECORDS_LIMITS.callBytes) break;
    bytes += next;
    count++;
  }
  return queue.splice(0, count);
}
