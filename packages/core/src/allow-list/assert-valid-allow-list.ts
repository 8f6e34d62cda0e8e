import { InvalidAllowListError } from "./allow-list-errors.ts";
import {
  ALLOW_LIST_MAX_LISTED,
  type AllowListIssue,
  type ParsedAllowList,
} from "./parsed-allow-list.ts";

/** Issues quoted in the error message; all of them are on the error's `issues`. */
const QUOTED_ISSUES = 3;

export interface AssertValidAllowListOptions {
  /** The operator confirmed that an empty list is intended (it revokes every device). */
  allowEmpty: boolean;
  /** Named in the message: a file path, `s3://bucket/key (version v)`, ... */
  source: string;
}

/**
 * Throws InvalidAllowListError when the list has any invalid line, or is empty without
 * `allowEmpty`. Duplicates are not an error: they stay on `parsed.duplicates` as warnings.
 */
export function assertValidAllowList(
  parsed: ParsedAllowList,
  options: AssertValidAllowListOptions,
): void {
  const { source } = options;
  const { errors, duplicates } = parsed;
  if (errors.length > 0) {
    const unit = parsed.format === "json" ? "entry" : "line";
    const quoted = errors
      .slice(0, QUOTED_ISSUES)
      .map((issue) => describeAllowListIssue(issue, unit));
    const more = errors.length - quoted.length;
    const count =
      errors.length > ALLOW_LIST_MAX_LISTED
        ? `more than ${ALLOW_LIST_MAX_LISTED} issues`
        : `${errors.length} ${errors.length === 1 ? "issue" : "issues"}`;
    throw new InvalidAllowListError(
      `${source}: invalid allow-list, ${count}: ${quoted.join("; ")}${more > 0 ? `; and ${more} more` : ""}`,
      { source, issues: errors, duplicates },
    );
  }
  if (parsed.serials.size === 0 && !options.allowEmpty) {
    throw new InvalidAllowListError(
      `${source}: allow-list is empty: it would revoke every device; upload with --allow-empty to mean it`,
      { source, issues: [], duplicates },
    );
  }
}

/** `line 7: "bad serial!" is not a valid serial (...)`; document-wide issues have no line. */
export function describeAllowListIssue(
  issue: AllowListIssue,
  unit: "line" | "entry" = "line",
): string {
  const quoted =
    issue.text === "" ? issue.message : `${JSON.stringify(issue.text)} ${issue.message}`;
  return issue.line === 0 ? quoted : `${unit} ${issue.line}: ${quoted}`;
}
