import { FleetError } from "../errors.ts";
import type { AllowListDuplicate, AllowListIssue } from "./parsed-allow-list.ts";

/** An allow-list over the size limit, refused before it was parsed in full. */
export class AllowListTooLargeError extends FleetError {
  readonly maxBytes: number;
  /** The declared size, when the store knew it; undefined when reading was stopped at the limit. */
  readonly actualBytes: number | undefined;

  constructor(
    message: string,
    options: { maxBytes: number; actualBytes?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "AllowListTooLargeError";
    this.maxBytes = options.maxBytes;
    this.actualBytes = options.actualBytes;
  }
}

/**
 * An allow-list that must not be applied: lines that are not serials, or an empty list that
 * was not confirmed as intended (it would revoke every device).
 */
export class InvalidAllowListError extends FleetError {
  /** Where the list came from: a file path, `s3://bucket/key (version v)`, ... */
  readonly source: string;
  readonly issues: readonly AllowListIssue[];
  /** Reported for context; duplicates alone never make a list invalid. */
  readonly duplicates: readonly AllowListDuplicate[];

  constructor(
    message: string,
    options: {
      source: string;
      issues: readonly AllowListIssue[];
      duplicates: readonly AllowListDuplicate[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "InvalidAllowListError";
    this.source = options.source;
    this.issues = options.issues;
    this.duplicates = options.duplicates;
  }
}
