import type { TelemetryQuery } from "@fleet/core";
import { SandboxError } from "../errors.ts";

/** A query-string parameter the API cannot use (answered with 400). */
export class QueryParameterError extends SandboxError {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(`query parameter ${parameter}: ${message}`);
    this.name = "QueryParameterError";
    this.parameter = parameter;
  }
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_LIMIT = 10_000;

/** `GET /v1/telemetry`: device and since are required; limit 1..10000. */
export function parseTelemetryQuery(params: Record<string, string>, now: Date): TelemetryQuery {
  const { device, since, until, measure, limit } = params;
  if (device === undefined || device === "") {
    throw new QueryParameterError("device", "required: the thing name");
  }
  if (since === undefined)
    throw new QueryParameterError("since", "required: e.g. 15m or an ISO 8601 time");
  return {
    thing: device,
    since: parseTime("since", since, now),
    ...(until === undefined ? {} : { until: parseTime("until", until, now) }),
    ...(measure === undefined || measure === "" ? {} : { measure }),
    ...(limit === undefined ? {} : { limit: parseLimit(limit) }),
  };
}

/** `GET /v1/dead-letters`: both parameters optional. */
export function parseDeadLetterQuery(
  params: Record<string, string>,
  now: Date,
): { since?: Date; limit?: number } {
  const { since, limit } = params;
  return {
    ...(since === undefined ? {} : { since: parseTime("since", since, now) }),
    ...(limit === undefined ? {} : { limit: parseLimit(limit) }),
  };
}

/** `15m` (back from now: s, m, h, d) or an ISO 8601 date-time. */
function parseTime(parameter: string, value: string, now: Date): Date {
  const duration = DURATION.exec(value);
  if (duration !== null) {
    const [, amount, unit] = duration as unknown as [string, string, keyof typeof UNIT_MS];
    return new Date(now.getTime() - Number(amount) * UNIT_MS[unit]);
  }
  const time = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(time)) return new Date(time);
  throw new QueryParameterError(
    parameter,
    `${JSON.stringify(value)} is neither a duration (30s, 15m, 2h, 7d) nor an ISO 8601 date-time`,
  );
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new QueryParameterError(
      "limit",
      `${JSON.stringify(value)} is not an integer from 1 to ${MAX_LIMIT}`,
    );
  }
  return limit;
}
