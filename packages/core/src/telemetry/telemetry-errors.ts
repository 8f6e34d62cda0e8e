import { OperationTargetNotFoundError } from "../contracts/operator-api/operator-errors.ts";
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

/**
 * A name the operator gave that does not exist: `what` (`no device X in the fleet`), the
 * nearest names that do (`closest`), then `hint`.
 */
export class UnknownNameError extends OperationTargetNotFoundError {
  readonly closest: readonly string[];

  constructor(what: string, closest: readonly string[], hint = "") {
    const suggestion = closest.length > 0 ? ` (did you mean ${closest.join(", ")}?)` : "";
    super(`${what}${suggestion}${hint}`);
    this.name = "UnknownNameError";
    this.closest = closest;
  }
}

/** `--device` names no device of the fleet. */
export class UnknownDeviceError extends UnknownNameError {
  readonly thing: string;

  constructor(thing: string, closest: readonly string[]) {
    super(`no device ${thing} in the fleet`, closest);
    this.name = "UnknownDeviceError";
    this.thing = thing;
  }
}

/** `--measure` names no measure the device sent in the queried window, while it sent others. */
export class UnknownMeasureError extends UnknownNameError {
  readonly thing: string;
  readonly measure: string;

  constructor(thing: string, measure: string, closest: readonly string[]) {
    const hint = `; \`fleet telemetry measures --device ${thing}\` lists its measures`;
    super(`device ${thing} sent no measure ${measure} in that time`, closest, hint);
    this.name = "UnknownMeasureError";
    this.thing = thing;
    this.measure = measure;
  }
}
