import parseDuration from "parse-duration";
import { UsageError } from "./errors.ts";

/** `--since 15m` (a duration back from now: 30s, 15m, 2h, 7d) or an ISO 8601 time. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const durationMs = /^\d/.test(value) && !value.includes("T") ? parseDuration(value) : null;
  if (durationMs !== null && durationMs !== undefined && durationMs > 0) {
    return new Date(now.getTime() - durationMs);
  }
  const time = Date.parse(value);
  if (!Number.isNaN(time) && /^\d{4}-\d{2}-\d{2}/.test(value)) return new Date(time);
  throw new UsageError(
    `--since ${value}: expected a duration such as 30s, 15m, 2h or 7d, or an ISO 8601 time`,
  );
}
