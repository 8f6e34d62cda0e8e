import { JsonTooDeepError } from "../contracts/contract-errors.ts";
import { parseJsonWithinDepth } from "../contracts/json-depth.ts";
import type { SerialCollector } from "./serial-collector.ts";

/**
 * Both JSON forms nest at most two levels; a few more let an object entry be reported as
 * "an object, not a string". Anything deeper is refused before parsing, so a nesting bomb
 * costs one scan instead of gigabytes of nested arrays.
 */
export const ALLOW_LIST_MAX_JSON_DEPTH = 8;

/**
 * The JSON form: `["SN1", "SN2"]` or `{ "serials": ["SN1", "SN2"] }`, parsed in memory (the
 * caller has already bounded its size). Issues count array entries from 1; returns the number
 * of entries.
 */
export function readJsonAllowList(text: string, collector: SerialCollector): number {
  let document: unknown;
  try {
    document = parseJsonWithinDepth(text, ALLOW_LIST_MAX_JSON_DEPTH);
  } catch (error) {
    if (error instanceof JsonTooDeepError) {
      collector.issue(0, aroundLine(text, error.line, error.column), `is ${error.message}`);
      return 0;
    }
    const reason = error instanceof Error ? error.message : String(error);
    collector.issue(0, excerpt(text, reason), `is not valid JSON (${reason})`);
    return 0;
  }
  const entries = Array.isArray(document)
    ? document
    : isObject(document) && Array.isArray(document.serials)
      ? document.serials
      : null;
  if (entries === null) {
    collector.issue(
      0,
      text.trim(),
      'is neither an array of serials nor an object { "serials": [...] }',
    );
    return 0;
  }
  entries.forEach((entry: unknown, index) => {
    if (typeof entry === "string") collector.add(entry, index + 1);
    else
      collector.issue(
        index + 1,
        String(JSON.stringify(entry)),
        `is ${kindOf(entry)}, not a string`,
      );
  });
  return entries.length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// V8 names the failing offset ("... at position 42 ..."): quote the text around it.
function excerpt(text: string, reason: string): string {
  const position = /position (\d+)/.exec(reason)?.[1];
  if (position === undefined) return text.trim();
  const at = Number(position);
  return text.slice(Math.max(0, at - 30), at + 30).trim();
}

// The text just before the refused bracket on its line: the quote ends where the problem is.
function aroundLine(text: string, line: number, column: number): string {
  let start = 0;
  for (let current = 1; current < line; current += 1) start = text.indexOf("\n", start) + 1;
  const at = start + column - 1;
  return text.slice(Math.max(start, at - 30), at + 1).trim();
}
