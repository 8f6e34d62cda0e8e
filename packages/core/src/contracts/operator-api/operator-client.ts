import * as z from "zod";
import {
  OperatorApiError,
  OperatorApiReplyError,
  OperatorApiUnreachableError,
} from "./operator-errors.ts";
import {
  type OperationInput,
  type OperationOutput,
  type OperationsOf,
  type OperatorRoute,
  type OperatorRoutes,
  operationNames,
  type WireRequest,
} from "./operator-route.ts";

export interface OperatorClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /**
   * Sent as `Authorization: Bearer <token>`. Absent for the sandbox console, a page the API
   * serves: its session cookie authenticates it, and its script never holds the token.
   */
  token?: string;
}

/**
 * The operations of a route table, each one request to the API: the input is encoded with the
 * route's request schema, the reply parsed with its reply schema. A refusal throws
 * `OperatorApiError` with the status and the API's reason; a reply the schema refuses throws
 * `OperatorApiReplyError`.
 */
export function createOperatorClient<R extends OperatorRoutes<R>>(
  routes: R,
  options: OperatorClientOptions,
): OperationsOf<R> {
  const operations: Partial<OperationsOf<R>> = {};
  const bind = <K extends keyof R & string>(name: K) => {
    operations[name] = (input) => callOperation(name, routes[name], input, options);
  };
  for (const name of operationNames(routes)) bind(name);
  // Every route's operation was just assigned: the partial is whole.
  return operations as OperationsOf<R>;
}

/** One operation over HTTP (see `createOperatorClient`). */
export async function callOperation<Route extends OperatorRoute>(
  name: string,
  route: Route,
  input: OperationInput<Route>,
  options: OperatorClientOptions,
): Promise<OperationOutput<Route>> {
  const wire = z.encode(route.request, input);
  const path = routePath(route, wire);
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url), {
      method: route.method,
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(route.method === "GET" || route.method === "DELETE"
          ? {}
          : {
              "content-type":
                route.bodyType === "bytes" ? "application/octet-stream" : "application/json",
            }),
      },
      body: requestBody(route, wire),
    });
  } catch (error) {
    throw new OperatorApiUnreachableError(options.url, { cause: error });
  }
  const reply: unknown = await response.json().catch(() => null);
  const replySchema: Route["reply"] = route.reply;
  if (response.status === 404 && route.notFoundIsNull) return z.parse(replySchema, null);
  if (!response.ok) {
    throw new OperatorApiError(name, path, response.status, reasonOf(reply, response));
  }
  const parsed = z.safeParse(replySchema, reply);
  if (!parsed.success) throw new OperatorApiReplyError(path, z.prettifyError(parsed.error));
  return parsed.data;
}

/** The route's path with its `:name` parameters filled in, and the query string. */
function routePath(route: OperatorRoute, wire: WireRequest): string {
  const path = route.path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(wire.params?.[name] ?? ""),
  );
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(wire.query ?? {})) {
    if (value !== undefined) query.set(key, value);
  }
  return query.size > 0 ? `${path}?${query}` : path;
}

function requestBody(route: OperatorRoute, wire: WireRequest): string | Uint8Array | undefined {
  if (route.method === "GET" || route.method === "DELETE") return undefined;
  if (route.bodyType === "bytes") {
    return wire.body instanceof Uint8Array ? wire.body : new Uint8Array();
  }
  return JSON.stringify(wire.body ?? {});
}

function reasonOf(reply: unknown, response: Response): string {
  const parsed = z.object({ error: z.string() }).safeParse(reply);
  return parsed.success ? parsed.data.error : response.statusText;
}
