import type { z } from "zod";
import { InvalidEnvironmentError } from "./errors.ts";

/**
 * Parses a function's environment once, at cold start. Each function declares only the
 * variables it uses; a missing one fails the cold start with its name instead of surfacing
 * later as an `undefined` deep inside an invocation.
 */
export function readEnv<Schema extends z.ZodType<object>>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const keys = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
  const detail = result.error.issues
    .map((issue) =>
      env[String(issue.path[0])] === undefined
        ? `${String(issue.path[0])} is not set`
        : `${String(issue.path[0])}: ${issue.message}`,
    )
    .join("; ");
  throw new InvalidEnvironmentError(keys, detail, { cause: result.error });
}
