import { UsageError } from "./errors.ts";

/** A percentage flag (`--abort-failure-pct 10`): a number from 0 to 100, or a usage error. */
export function parsePercentOption(flag: string, value: string): number {
  const pct = Number(value);
  if (value.trim() === "" || !Number.isFinite(pct) || pct < 0 || pct > 100) {
    throw new UsageError(`${flag} ${value}: expected a percentage from 0 to 100`);
  }
  return pct;
}
