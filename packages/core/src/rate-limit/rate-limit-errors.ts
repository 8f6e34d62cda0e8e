import { FleetError } from "../errors.ts";

/** A control-plane rate limit that is not a positive whole number of calls per second. */
export class InvalidRateLimitError extends FleetError {
  readonly callsPerSecond: number;

  constructor(callsPerSecond: number, options?: { cause?: unknown }) {
    super(
      `Invalid control-plane rate limit ${callsPerSecond}: expected a whole number of calls per second, at least 1`,
      options,
    );
    this.name = "InvalidRateLimitError";
    this.callsPerSecond = callsPerSecond;
  }
}
