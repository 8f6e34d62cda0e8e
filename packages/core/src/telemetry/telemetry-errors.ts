import { FleetError } from "../errors.ts";

/**
 * A telemetry store (Timestream for InfluxDB) failed a whole call: unreachable, throttling,
 * failing, or refusing the token or bucket. The ingest retries the records of such a call.
 */
export class TelemetryStoreError extends FleetError {
  readonly operation: string;
  /** HTTP status of the store's answer; undefined when it did not answer. */
  readonly status: number | undefined;

  constructor(message: string, options: { operation: string; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "TelemetryStoreError";
    this.operation = options.operation;
    this.status = options.status;
  }
}

/** Dead letters the sink could not deliver even after a retry: the caller must not drop them. */
export class DeadLetterDeliveryError extends FleetError {
  /** One entry per undelivered letter: the queue's error code and whether the request was at fault. */
  readonly failures: readonly { code: string; message: string; senderFault: boolean }[];

  constructor(
    message: string,
    options: {
      failures: readonly { code: string; message: string; senderFault: boolean }[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "DeadLetterDeliveryError";
    this.failures = options.failures;
  }
}
