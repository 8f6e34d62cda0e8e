import type * as z from "zod";
import { toDotPath } from "zod/v4/core";
import { type ContractIssue, ContractViolationError } from "./contract-errors.ts";
import { parseJsonWithinDepth } from "./json-depth.ts";

// `fatal` so a payload that is not UTF-8 is refused instead of decoded with U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A payload someone else wrote, as JSON: strict UTF-8 within the depth limit. The one way the
 * device, the backend and the sandbox's services read an MQTT payload or a JSON body.
 *
 * @param where the topic or place the payload came from; it opens the error message.
 * @throws ContractViolationError (`invalid-json`) naming `where` and why.
 */
export function parseJsonPayload(payload: Uint8Array | string, where: string): unknown {
  try {
    return parseJsonWithinDepth(typeof payload === "string" ? payload : utf8.decode(payload));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const issue: ContractIssue = { path: "", message: `expected UTF-8 JSON (${reason})` };
    throw new ContractViolationError(`Invalid message on ${where}: ${issue.message}`, {
      where,
      kind: "invalid-json",
      issues: [issue],
      cause,
    });
  }
}

/**
 * Parse an MQTT payload (or any JSON body) against its contract.
 *
 * @param where the topic or place the payload came from; it opens every error message.
 * @throws ContractViolationError naming `where`, each failing field path and what was expected.
 */
export function parseMessage<S extends z.ZodType>(
  schema: S,
  payload: Uint8Array | string,
  where: string,
): z.output<S> {
  const result = schema.safeParse(parseJsonPayload(payload, where));
  if (result.success) return result.data;
  throw ContractViolationError.invalidContent(where, contractIssues(result.error), result.error);
}

/** Each of zod's issues as a dotted field path (`steps.0.url`) and what was expected there. */
export function contractIssues(error: z.ZodError): ContractIssue[] {
  return error.issues.map((issue) => ({ path: toDotPath(issue.path), message: issue.message }));
}
