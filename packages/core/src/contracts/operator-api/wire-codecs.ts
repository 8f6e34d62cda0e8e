import * as z from "zod";

/** A date as JSON carries it: ISO 8601 on the wire, a `Date` in the program. */
export const IsoDateSchema = z.codec(z.iso.datetime(), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A time in a query string: `15m` (back from now: s, m, h, d) or an ISO 8601 date-time. Clients
 * send ISO 8601; a person typing a URL may send a duration.
 */
export const TimeParameterSchema = z.codec(z.string(), z.date(), {
  decode: (value, ctx) => {
    const [, amount, unit] = DURATION.exec(value) ?? [];
    const unitMs = UNIT_MS[unit ?? ""];
    if (amount !== undefined && unitMs !== undefined) {
      return new Date(Date.now() - Number(amount) * unitMs);
    }
    const time = Date.parse(value);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(time)) return new Date(time);
    ctx.issues.push({
      code: "custom",
      input: value,
      message: `${JSON.stringify(value)} is neither a duration (30s, 15m, 2h, 7d) nor an ISO 8601 date-time`,
    });
    return z.NEVER;
  },
  encode: (date) => date.toISOString(),
});

export const MAX_QUERY_LIMIT = 10_000;

/** `limit=N` in a query string: a whole number from 1 to 10 000. */
export const LimitParameterSchema = z.codec(
  z.string(),
  z.number().int().min(1).max(MAX_QUERY_LIMIT, `must be an integer from 1 to ${MAX_QUERY_LIMIT}`),
  { decode: (text) => Number(text), encode: (limit) => String(limit) },
);

/** A percentage in a query string: 0 to 100. */
export const PercentParameterSchema = z.codec(z.string(), z.number().min(0).max(100), {
  decode: (text) => Number(text),
  encode: (pct) => String(pct),
});

/** A yes/no query parameter: `1` or `true` is yes; absent is no. Sent as `1` when yes. */
export const FlagParameterSchema = z.codec(z.string().optional(), z.boolean(), {
  decode: (text) => text === "1" || text === "true",
  encode: (flag) => (flag ? "1" : undefined),
});

/** The request of an operation that takes nothing. */
export const NoInputSchema = z.codec(z.object({}), z.void(), {
  decode: () => undefined,
  encode: () => ({}),
});

/** The request of an operation whose input is the JSON body as it is. */
export function jsonBody<T>(schema: z.ZodType<T>) {
  return z.codec(z.object({ body: schema }), z.custom<T>(), {
    decode: (request) => request.body,
    encode: (body) => ({ body }),
  });
}
