import { TrinoSQL } from "dt-sql-parser";
import { TrinoSqlParser } from "dt-sql-parser/dist/lib/trino/TrinoSqlParser.js";

// Units of Timestream's interval literal (developer guide, "Supported data types": interval).
const DURATION =
  /^\d+(?:nanosecond|microsecond|millisecond|second|minute|hour|day|ns|us|ms|s|m|h|d)$/;

/**
 * Replaces each Timestream duration literal (`60000ms`, `5m`, `1d`, what the plugin's
 * `$__interval_ms` yields) with `replacement(literal)`. Trino's lexer reads such a literal as
 * one token (a digit-led identifier), so literals inside strings and quoted names are left alone.
 */
export function replaceDurations(sql: string, replacement: (literal: string) => string): string {
  let replaced = "";
  let last = 0;
  for (const token of new TrinoSQL().getAllTokens(sql)) {
    const text = token.text ?? "";
    if (token.type !== TrinoSqlParser.DIGIT_IDENTIFIER || !DURATION.test(text)) continue;
    replaced += `${sql.slice(last, token.start)}${replacement(text)}`;
    last = token.stop + 1;
  }
  return replaced + sql.slice(last);
}
