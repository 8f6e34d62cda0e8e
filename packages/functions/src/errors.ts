import { FleetError, type ReconcileFailure, type ReconcileSummary } from "@fleet/core";

/**
 * Errors a Lambda shell raises itself. An event that breaks its contract is the core's
 * ContractViolationError, as everywhere else a message is parsed.
 */
export class FunctionError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FunctionError";
  }
}

/** A function's environment lacks a variable it needs (or has one of the wrong form). */
export class InvalidEnvironmentError extends FunctionError {
  /** The offending variable names. */
  readonly keys: string[];
  constructor(keys: string[], detail: string, options?: { cause?: unknown }) {
    super(`invalid function environment: ${detail}`, options);
    this.name = "InvalidEnvironmentError";
    this.keys = keys;
  }
}

/**
 * A reconcile left devices it should have removed: thrown so that Lambda retries the event
 * (every removal step is idempotent, so the rerun finishes the job).
 */
export class ReconcileIncompleteError extends FunctionError {
  readonly failures: ReconcileFailure[];
  readonly version: string | null;
  constructor(summary: Pick<ReconcileSummary, "failures" | "version">) {
    const [first] = summary.failures;
    const example = first ? `; first: ${first.serial} at ${first.step}: ${first.reason}` : "";
    super(
      `reconcile of allow-list version ${summary.version} left ${summary.failures.length} device(s) not removed${example}`,
    );
    this.name = "ReconcileIncompleteError";
    this.failures = summary.failures;
    this.version = summary.version;
  }
}
