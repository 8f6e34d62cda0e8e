import { FleetError } from "../../errors.ts";

/** No AWS credentials could be loaded (no profile, expired SSO session, no environment keys). */
export class AwsCredentialsError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AwsCredentialsError";
  }
}

/** AWS refused an API call for the credentials in use. */
export class AwsAccessDeniedError extends FleetError {
  /** The AWS API operation that was refused, e.g. `SearchIndex`. */
  readonly operation: string;

  constructor(message: string, options: { operation: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "AwsAccessDeniedError";
    this.operation = options.operation;
  }
}

/**
 * The account's AWS IoT fleet index cannot answer: thing indexing or thing connectivity
 * indexing is off (`not-enabled`), or the index is still being built (`building`).
 */
export class FleetIndexUnavailableError extends FleetError {
  readonly reason: "not-enabled" | "building";

  constructor(message: string, options: { reason: "not-enabled" | "building"; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "FleetIndexUnavailableError";
    this.reason = options.reason;
  }
}
