import parseDuration from "parse-duration";
import { UsageError } from "./errors.ts";

/** A positive duration flag such as `--cert-validity 10m` (30s, 15m, 2h, 7d) in milliseconds. */
export function parseDurationOption(flag: string, value: string): number {
  const ms = /^\d/.test(value) ? parseDuration(value) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new UsageError(`${flag} ${value}: expected a duration such as 30s, 15m, 2h or 30d`);
  }
  return Math.round(ms);
}
