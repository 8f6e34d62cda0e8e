import type * as z from "zod";

/**
 * A request as it travels: the path's `:name` parameters, the query string and the body (parsed
 * JSON, or the bytes of a `bytes` route). A route's `request` schema decodes this into the
 * operation's input and encodes the input back into it.
 */
export interface WireRequest {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/**
 * One operator operation over HTTP. The server decodes `request` into the operation's input,
 * calls it and encodes its output with `reply`, answering `status`; the client does the
 * reverse. Both sides read the same object, so the two cannot drift.
 */
export interface OperatorRoute<
  Request extends z.ZodType<unknown, WireRequest> = z.ZodType<unknown, WireRequest>,
  Reply extends z.ZodType = z.ZodType,
> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Hono-style: `/v1/jobs/:jobId`. */
  path: `/v1/${string}`;
  /** The success status. Default 200. */
  status?: 201;
  /** The body is a file's bytes (`application/octet-stream`), not JSON. */
  bodyType?: "bytes";
  /** Wire request (`WireRequest`) ↔ the operation's input. */
  request: Request;
  /** Wire reply (JSON) ↔ the operation's output. */
  reply: Reply;
  /** The operation answers null for "no such thing": sent as 404, read back as null. */
  notFoundIsNull?: true;
}

/** Routes by operation name. */
export type OperatorRoutes<R> = { [K in keyof R]: OperatorRoute };

export type OperationInput<R extends OperatorRoute> = z.output<R["request"]>;
export type OperationOutput<R extends OperatorRoute> = z.output<R["reply"]>;

/** The operation names of a route table: its keys. */
export function operationNames<R extends object>(routes: R): (keyof R & string)[] {
  // Object.keys types its answer as string[]: a route table's keys are its own.
  return Object.keys(routes) as (keyof R & string)[];
}

/** The operations a route table describes, one method per route, named as the routes are. */
export type OperationsOf<R extends OperatorRoutes<R>> = {
  [K in keyof R]: (input: OperationInput<R[K]>) => Promise<OperationOutput<R[K]>>;
};
