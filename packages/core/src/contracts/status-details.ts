import * as z from "zod";

/*
 * AWS limits on a job execution's statusDetails (API reference, iot-jobs-data
 * JobExecutionState and UpdateJobExecution: "Key Length Constraints: Minimum length of 1.
 * Maximum length of 128. Key Pattern: [a-zA-Z0-9:_-]+ ... Value Pattern: [^\p{C}]+", and "The
 * maximum length of the value in the name/value pair is 1,024 characters"). AWS answers a
 * request that breaks one with InvalidRequest.
 */
const KEY_CHARS = /^[a-zA-Z0-9:_-]+$/;
const KEY_OUTSIDE_CHARS = /[^a-zA-Z0-9:_-]/g;
const KEY_MAX = 128;
const VALUE_MAX = 1024;
const CONTROL_CHARACTER = /\p{C}/u;
/** A run of control characters holding a line break: the line break of multi-line output. */
const LINE_BREAKS = /\p{C}*[\n\r\u2028\u2029]\p{C}*/gu;
const CONTROL_CHARACTERS = /\p{C}+/gu;
const OUTER_BLANKS = /^[\p{C}\s]+|[\p{C}\s]+$/gu;
const ELLIPSIS = "…";

/**
 * Progress a device reports for an operator to read. AWS limits: keys 1-128 characters of
 * [a-zA-Z0-9:_-], values 1-1024 characters without control characters. Each broken rule is
 * reported against its own key.
 */
export const StatusDetailsSchema = z.record(z.string(), z.string()).superRefine((details, ctx) => {
  for (const [key, value] of Object.entries(details)) {
    const broken = (message: string) => ctx.addIssue({ code: "custom", path: [key], message });
    if (key.length === 0 || key.length > KEY_MAX) {
      broken(`statusDetails key "${key}" is ${key.length} characters; keys are 1-${KEY_MAX}`);
    } else if (!KEY_CHARS.test(key)) {
      broken(`statusDetails key "${key}" has characters outside [a-zA-Z0-9:_-]`);
    }
    if (value.length === 0 || value.length > VALUE_MAX) {
      broken(
        `statusDetails value of "${key}" is ${value.length} characters; values are 1-${VALUE_MAX}`,
      );
    } else if (CONTROL_CHARACTER.test(value)) {
      broken(`statusDetails value of "${key}" contains control characters`);
    }
  }
});
export type StatusDetails = z.infer<typeof StatusDetailsSchema>;

/**
 * Details as AWS accepts them, whatever text they carry (a command's multi-line output, an
 * error message): line breaks become " | ", other control characters a space, a value over
 * 1024 characters is cut with "…", key characters outside [a-zA-Z0-9:_-] become "_" and a key
 * is cut at 128. An empty or undefined value is left out (AWS wants at least one character).
 * Every writer of statusDetails sends what this returns, so no update is refused for its text.
 */
export function toStatusDetails(
  details: Readonly<Record<string, string | undefined>>,
): StatusDetails {
  const clean: StatusDetails = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    const text = cut(
      value.replace(OUTER_BLANKS, "").replace(LINE_BREAKS, " | ").replace(CONTROL_CHARACTERS, " "),
      VALUE_MAX,
    );
    if (text.length === 0) continue;
    clean[cut(key.replace(KEY_OUTSIDE_CHARS, "_"), KEY_MAX, "") || "_"] = text;
  }
  return clean;
}

/**
 * `text` within `max` UTF-16 units (AWS's count), ending in `mark` when cut; a surrogate pair
 * is never split, since half of one is itself a control character.
 */
function cut(text: string, max: number, mark = ELLIPSIS): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - mark.length).replace(/[\uD800-\uDBFF]$/, "");
  return `${head}${mark}`;
}
