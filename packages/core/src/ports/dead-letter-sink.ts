/**
 * A telemetry message the ingest could not accept: not JSON, breaking the contract, or refused
 * by the store for good. Kept with the reason so it can be inspected and replayed.
 */
export interface DeadLetter {
  /** One line: why the message was set aside. */
  reason: string;
  /** Failing fields for a contract violation (path and what was expected). */
  issues: { path: string; message: string }[];
  /** From the rule (`topic(2)`), when the record got that far. */
  thing: string | null;
  /** ISO 8601, from the rule's `timestamp()`, when known. */
  receivedAt: string | null;
  /** The record's data as text (UTF-8; base64 when it is not), cut by `deadLetterPayload`. */
  payload: string;
  /** Where it came from in the stream. */
  source: { partitionKey: string; sequenceNumber: string };
  /** ISO 8601: when it was set aside. */
  at: string;
}

/** Where dead letters go: an SQS queue on a stage, a table in the sandbox's store. */
export interface DeadLetterSink {
  put(letters: readonly DeadLetter[]): Promise<void>;
}

export interface DeadLetterListOptions {
  /** Only letters set aside at or after this time. Default: all. */
  since?: Date;
  /** Most letters returned, newest first. Default 100. */
  limit?: number;
}

/** Reads dead letters back for operators (`fleet telemetry dead-letters`), without consuming them. */
export interface DeadLetterReader {
  list(options?: DeadLetterListOptions): Promise<DeadLetter[]>;
}
