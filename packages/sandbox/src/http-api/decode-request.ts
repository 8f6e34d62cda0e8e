import type { OperatorRoute, WireRequest } from "@fleet/core/contracts";
import type { Context } from "hono";
import * as z from "zod";
import { InvalidRequestError, SandboxError } from "../errors.ts";

/** A query-string parameter the API cannot use (answered with 400 naming it). */
export class QueryParameterError extends SandboxError {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(`query parameter ${parameter}: ${message}`);
    this.name = "QueryParameterError";
    this.parameter = parameter;
  }
}

/**
 * The request as the route describes it: its path parameters, query and body (JSON, or the
 * bytes of a file route), decoded with the route's request schema. The first bad value is
 * thrown as a QueryParameterError naming the query parameter, or an InvalidRequestError naming
 * the path parameter or body field.
 */
export async function decodeRequest<Route extends OperatorRoute>(
  c: Context,
  route: Route,
): Promise<z.output<Route["request"]>> {
  const wire: WireRequest = {
    params: c.req.param(),
    query: c.req.query(),
    body: await readBody(c, route),
  };
  const schema: Route["request"] = route.request;
  const decoded = z.safeParse(schema, wire);
  if (decoded.success) return decoded.data;
  const issue = decoded.error.issues[0];
  const [where, ...path] = issue?.path ?? [];
  const message = issue?.message ?? "invalid request";
  if (where === "query") throw new QueryParameterError(path.join("."), message);
  throw new InvalidRequestError(path.join(".") || "body", message);
}

async function readBody(c: Context, route: OperatorRoute): Promise<unknown> {
  if (route.method === "GET" || route.method === "DELETE") return undefined;
  if (route.bodyType === "bytes") return new Uint8Array(await c.req.arrayBuffer());
  const text = await c.req.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError("body", "the body is not JSON", { cause: error });
  }
}
