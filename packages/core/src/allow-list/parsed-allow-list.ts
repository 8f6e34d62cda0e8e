import type { PackedSerialSet } from "./packed-serial-set.ts";

/** One line (or JSON entry) of an allow-list that is not a serial. */
export interface AllowListIssue {
  /**
   * 1-based line of the text form; 1-based array entry of the JSON form (see `format`).
   * 0 when the issue concerns the document as a whole (invalid JSON, wrong JSON shape, or the
   * note that further issues were not listed).
   */
  line: number;
  /** The offending text, cut to a readable length. */
  text: string;
  /** What is wrong, phrased to follow the quoted text: `is not a valid serial (...)`. */
  message: string;
}

/** A serial listed more than once: a warning, not an error (the list is a set). */
export interface AllowListDuplicate {
  serial: string;
  /** Every line (or JSON entry) that lists it, first occurrence first. */
  lines: number[];
}

export interface ParsedAllowList {
  /** The valid serials, each once, in the order listed. */
  serials: PackedSerialSet;
  format: "text" | "json";
  /** Lines read in the text form (comments and blank lines included); entries in the JSON form. */
  lineCount: number;
  errors: AllowListIssue[];
  duplicates: AllowListDuplicate[];
}

/**
 * At most this many issues, duplicated serials, and lines per duplicated serial are listed: a
 * file that is not an allow-list at all must not turn into millions of issue objects.
 */
export const ALLOW_LIST_MAX_LISTED = 1000;
