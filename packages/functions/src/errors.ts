import { FleetError } from "@fleet/core";

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
