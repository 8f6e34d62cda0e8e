import type { Context, Hono } from "hono";
import { type ConsoleAssets, consoleAssets } from "./console-assets.ts";
import { CONSOLE_PATH, type ConsoleSession } from "./console-session.ts";

/**
 * The page may run only its own script and talk only to its own API; no frame may embed it
 * (a framed console could be clicked blind). Styles come from its stylesheet or the CSSOM
 * (uPlot sizes its canvas there), never from style attributes.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
} as const;

export interface ConsoleRouteOptions {
  session: ConsoleSession;
  /** The API's port, read per request (port 0 is known once the server listens). */
  port: () => number;
  /** Default: the bundle built from `console-app/`. */
  assets?: () => Promise<ConsoleAssets>;
}

/**
 * Serves the sandbox console under `/console/`, behind the request guard (which let through only
 * the session cookie or the launch token): the launch URL sets the session cookie and redirects
 * to the bare page, so the token leaves the address bar and the history entry.
 */
export function serveConsole(app: Hono, options: ConsoleRouteOptions): void {
  const assets = options.assets ?? consoleAssets;
  app.get(CONSOLE_PATH, async (c) => {
    if (c.req.query("token") === undefined) return sendAsset(c, await assets(), "index.html");
    c.header("set-cookie", options.session.setCookie(options.port()));
    c.header("cache-control", "no-store");
    return c.redirect(CONSOLE_PATH, 303);
  });
  app.get(`${CONSOLE_PATH}:file`, async (c) => sendAsset(c, await assets(), c.req.param("file")));
}

function sendAsset(c: Context, assets: ConsoleAssets, name: string): Response {
  const asset = assets.get(name);
  if (asset === undefined) return c.json({ error: `no console file ${name}` }, 404);
  return c.body(asset.body, 200, {
    ...SECURITY_HEADERS,
    "content-type": asset.contentType,
  });
}
