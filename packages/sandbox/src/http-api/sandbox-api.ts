import type { AddressInfo } from "node:net";
import { ALLOW_LIST_MAX_BYTES } from "@fleet/core";
import { OPERATOR_ROUTES } from "@fleet/core/contracts";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { serveConsole } from "../console/console-routes.ts";
import { consoleUrl, createConsoleSession } from "../console/console-session.ts";
import { ApiTokenError } from "../errors.ts";
import { createApiToken } from "./api-token.ts";
import { bindOperatorRoutes, fileBodyPaths } from "./bind-operator-routes.ts";
import { errorReply } from "./error-replies.ts";
import { LOOPBACK_ADDRESS } from "./loopback.ts";
import { type RequestGuardOptions, requestGuard } from "./request-guard.ts";
import { SANDBOX_CONSOLE_ROUTES } from "./sandbox-console-routes.ts";
import type { SandboxApiOperations } from "./sandbox-fleet-operations.ts";

/**
 * The API always listens on loopback: it creates jobs whose commands run on this machine, so
 * there is no option to put it on another interface.
 */
export interface SandboxApiOptions {
  /** Port. Default 0 (a free port; clients find it in `sandbox.json`). */
  port?: number;
  /** Origins of pages the sandbox itself serves that may call the API. Default none. */
  allowedOrigins?: readonly string[];
}

const DEFAULTS = { port: 0, allowedOrigins: [] } as const;

export interface SandboxApi {
  url: string;
  /** This run's bearer token, for `sandbox.json`. */
  token: string;
  /** The console's launch URL (it carries the token): printed once at start. */
  consoleUrl: string;
  close(): Promise<void>;
}

/**
 * The loopback HTTP API the CLI and the sandbox console talk to: the operator routes
 * (`OPERATOR_ROUTES`, the contract the CLI's client is derived from) and the sandbox's console
 * routes, served from the operations given; a route whose operation is missing answers 404.
 * With a console session, the console's page is served under `/console/` and the guard also
 * takes the console's session cookie.
 * Every request passes `requestGuard` first (loopback Host, no foreign Origin, the run's bearer
 * token, JSON bodies; 421, 403, 401 or 415 otherwise); `PUT /v1/allowlist` takes
 * `application/octet-stream`. Errors are answered by `errorReply`.
 */
export function createSandboxApp(
  operations: Partial<SandboxApiOperations>,
  access: Omit<RequestGuardOptions, "fileBodyPaths">,
): Hono {
  const app = new Hono();
  app.use(requestGuard({ ...access, fileBodyPaths: fileBodyPaths(OPERATOR_ROUTES) }));
  app.get("/v1/health", (c) => c.json({ ok: true }));
  if (access.consoleSession) {
    serveConsole(app, { session: access.consoleSession, port: access.port });
  }
  const options = { maxFileBytes: ALLOW_LIST_MAX_BYTES };
  bindOperatorRoutes(app, OPERATOR_ROUTES, operations, options);
  bindOperatorRoutes(app, SANDBOX_CONSOLE_ROUTES, operations, options);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // RFC 6750: a 401 names the scheme the client must use.
    if (error instanceof ApiTokenError) c.header("WWW-Authenticate", 'Bearer realm="sandbox"');
    const { status, body } = errorReply(error);
    return c.json(body, status);
  });
  return app;
}

export async function startSandboxApi(
  operations: Partial<SandboxApiOperations>,
  options: SandboxApiOptions = {},
): Promise<SandboxApi> {
  const { port, allowedOrigins } = { ...DEFAULTS, ...options };
  const token = createApiToken();
  let boundPort = port;
  const consoleSession = createConsoleSession();
  const app = createSandboxApp(operations, {
    token,
    port: () => boundPort,
    allowedOrigins,
    consoleSession,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: LOOPBACK_ADDRESS, port }, () => resolve(s));
    s.once("error", reject);
  });
  boundPort = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK_ADDRESS}:${boundPort}`;
  return {
    url,
    token,
    consoleUrl: consoleUrl(url, token),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
