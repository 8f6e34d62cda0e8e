import {
  type OperationsOf,
  type OperatorRoute,
  type OperatorRoutes,
  operationNames,
} from "@fleet/core/contracts";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import { decodeRequest } from "./decode-request.ts";

export interface BindOptions {
  /** Most bytes a file body (`bodyType: "bytes"`) may have; larger ones get 413. */
  maxFileBytes: number;
}

/**
 * Serves each route of the table: decodes the request with the route's schema (400 naming the
 * bad field or parameter), calls the operation of the same name and answers its output encoded
 * with the route's reply schema, with the route's status. A route whose operation the API does
 * not serve answers 404. Errors the operations throw go to the app's error handler.
 */
export function bindOperatorRoutes<R extends OperatorRoutes<R>>(
  app: Hono,
  routes: R,
  operations: Partial<OperationsOf<R>>,
  options: BindOptions,
): void {
  const bind = <K extends keyof R & string>(name: K) => {
    const route = routes[name];
    if (route.bodyType === "bytes") {
      app.on(
        route.method,
        route.path,
        bodyLimit({
          maxSize: options.maxFileBytes,
          onError: (c) =>
            c.json({ error: `the body is larger than ${options.maxFileBytes} bytes` }, 413),
        }),
      );
    }
    app.on(route.method, route.path, async (c) => {
      const operation = operations[name];
      if (operation === undefined) return c.json({ error: `this API does not serve ${name}` }, 404);
      const output = await operation(await decodeRequest(c, route));
      if (output === null && route.notFoundIsNull) {
        return c.json({ error: `${c.req.path} does not exist` }, 404);
      }
      return c.json(encodeReply(route, output), route.status ?? 200);
    });
  };
  for (const name of operationNames(routes)) bind(name);
}

/** Paths whose body is a file's bytes, for the request guard. */
export function fileBodyPaths(routes: Record<string, OperatorRoute>): string[] {
  return Object.values(routes)
    .filter((route) => route.bodyType === "bytes")
    .map((route) => route.path);
}

function encodeReply<Route extends OperatorRoute>(
  route: Route,
  output: z.output<Route["reply"]>,
): z.input<Route["reply"]> {
  const schema: Route["reply"] = route.reply;
  return z.encode(schema, output);
}
