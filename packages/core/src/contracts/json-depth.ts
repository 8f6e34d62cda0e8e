import { JsonTooDeepError } from "./contract-errors.ts";

/**
 * Deepest nesting a message may have. Every contract of the fleet stays under 10 levels; the
 * margin is for free-form fields (job documents, command params), and 64 is far below the
 * thousands at which recursive walkers run out of stack.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const NEWLINE = 0x0a;

/**
 * Where `text` first nests deeper than `maxDepth`, or null. One pass over the raw text without
 * allocating, so a nesting bomb is refused in the time it takes to reach its first levels and
 * before JSON.parse builds anything. Brackets inside strings do not count; malformed JSON is
 * left for JSON.parse to report.
 */
export function findJsonDepthExcess(
  text: string,
  maxDepth: number = MAX_JSON_DEPTH,
): { line: number; column: number } | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      depth += 1;
      if (depth > maxDepth) return lineAndColumn(text, i);
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return null;
}

/**
 * JSON.parse behind the depth check: the one way the device and the backend parse JSON that
 * someone else wrote.
 *
 * @throws JsonTooDeepError naming the line and column; SyntaxError for text that is not JSON.
 */
export function parseJsonWithinDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  const excess = findJsonDepthExcess(text, maxDepth);
  if (excess !== null) throw new JsonTooDeepError({ maxDepth, ...excess });
  return JSON.parse(text);
}

// Counted only once a document is refused, so the scan itself stays one comparison per char.
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i += 1) {
    if (text.charCodeAt(i) === NEWLINE) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
