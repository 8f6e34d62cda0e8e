import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { type ContractIssue, ContractViolationError } from "@fleet/core";
import * as z from "zod";

/** The shape of Standard Schema issues, which Powertools' ParseError carries as its cause. */
interface SchemaIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

function isSchemaIssues(value: unknown): value is SchemaIssue[] {
  return Array.isArray(value) && value.every((item) => typeof item?.message === "string");
}

function toContractIssue(issue: SchemaIssue): ContractIssue {
  const path = (issue.path ?? []).map((segment) =>
    typeof segment === "object" ? segment.key : segment,
  );
  return { path: z.core.toDotPath(path), message: issue.message };
}

/**
 * Unwraps the Powertools parser middleware's safe-parse result: the parsed event, or the
 * core's ContractViolationError naming every failing field (Powertools' own ParseError only
 * says "Failed to parse schema").
 *
 * @param where where the event came from (e.g. the rule's topic filter); opens the message.
 */
export function requireParsed<Event>(result: ParsedResult<unknown, Event>, where: string): Event {
  if (result.success) return result.data;
  const cause = result.error.cause;
  const issues = isSchemaIssues(cause)
    ? cause.map(toContractIssue)
    : [{ path: "", message: result.error.message }];
  throw ContractViolationError.invalidContent(where, issues, result.error);
}
