import type { HonoRequest, MiddlewareHandler } from "hono";
import { CONSOLE_PATH, type ConsoleSession } from "../console/console-session.ts";
import {
  ApiTokenError,
  ConsoleSessionError,
  CrossSiteRequestError,
  ForeignOriginError,
  MisdirectedHostError,
  UnsupportedContentTypeError,
} from "../errors.ts";
import { isApiToken } from "./api-token.ts";

export interface RequestGuardOptions {
  /** This run's bearer token, the one `sandbox.json` gives clients. */
  token: string;
  /** The API's port, read per request: with port 0 it is known only once the server listens. */
  port: () => number;
  /**
   * Origins whose pages may call the API: only ever a page the sandbox itself serves (a
   * console). Default none: every request carrying `Origin` is refused.
   */
  allowedOrigins?: readonly string[];
  /**
   * Paths whose body is a file's bytes (the allow-list upload), taken as
   * `application/octet-stream` instead of JSON. Default none.
   */
  fileBodyPaths?: readonly string[];
  /**
   * The console's session: a browser request without a bearer token may carry its cookie (or
   * the launch URL's token), and the API's own origin may call it. Default none: bearer only.
   */
  consoleSession?: ConsoleSession;
}

const JSON_TYPE = "application/json";
const FILE_TYPE = "application/octet-stream";

/**
 * Every request to the sandbox API passes these checks before a route runs; the API can create
 * jobs whose commands run on this machine, so a web page or another host must not reach it:
 *  1. `Host` is a loopback name with the API's port (421): a page whose DNS name was rebound to
 *     127.0.0.1 still sends its own name.
 *  2. No `Origin`, or one listed in `allowedOrigins`, or with a console session the API's own
 *     (403): browsers send it on cross-origin requests and same-origin writes; the CLI never does.
 *  3. `Authorization: Bearer <token>` with this run's token (401), compared in constant time;
 *     with a console session, a request without one may instead be the console's: sent from
 *     its own page (`Sec-Fetch-Site`, 403) with its session cookie or, to start a session, the
 *     launch URL's token (401).
 *  4. A body is declared as JSON, or as a file on `fileBodyPaths` (415): neither is a type a
 *     page may send without a CORS preflight, which this API never approves; `text/plain`,
 *     form encodings and an absent type are refused.
 * A refusal is thrown as an `ApiRequestRefusedError`; the app's error handler answers it.
 */
export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const fileBodyPaths = new Set(options.fileBodyPaths ?? []);
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const host = headers.get("host");
    checkHost(host, options.port());
    const ownOrigin = options.consoleSession && `http://${host?.toLowerCase()}`;
    checkOrigin(headers.get("origin"), allowedOrigins, ownOrigin);
    checkCredentials(c.req, options);
    if (hasBody(c.req.method, headers)) {
      checkContentType(
        headers.get("content-type"),
        fileBodyPaths.has(c.req.path) ? FILE_TYPE : JSON_TYPE,
      );
    }
    await next();
  };
}

function checkHost(host: string | null, port: number): void {
  const names = ["localhost", "127.0.0.1", "[::1]"].map((name) => `${name}:${port}`);
  if (host === null || !names.includes(host.toLowerCase())) throw new MisdirectedHostError(host);
}

function checkOrigin(
  origin: string | null,
  allowed: ReadonlySet<string>,
  own: string | undefined,
): void {
  if (origin === null || allowed.has(origin) || origin.toLowerCase() === own) return;
  throw new ForeignOriginError(origin);
}

function checkCredentials(req: HonoRequest, options: RequestGuardOptions): void {
  const authorization = req.header("authorization");
  const session = options.consoleSession;
  if (authorization !== undefined || session === undefined) {
    checkToken(authorization ?? null, options.token);
    return;
  }
  // Cookies reach every port of a host (RFC 6265, section 8.5), and a page on another loopback
  // port is same-site: the browser's Fetch Metadata tells it apart (absent outside browsers).
  const fetchSite = req.header("sec-fetch-site");
  if (fetchSite === "same-site" || fetchSite === "cross-site") {
    throw new CrossSiteRequestError(fetchSite);
  }
  const launchToken = req.method === "GET" && req.path === CONSOLE_PATH && req.query("token");
  if (typeof launchToken === "string") {
    if (!isApiToken(launchToken, options.token)) throw new ConsoleSessionError(true);
    return;
  }
  if (session.isSession(req.header("cookie"), options.port())) return;
  if (req.path.startsWith(CONSOLE_PATH)) throw new ConsoleSessionError(false);
  throw new ApiTokenError(false);
}

function checkToken(authorization: string | null, token: string): void {
  const given = /^Bearer (\S+)$/i.exec(authorization?.trim() ?? "")?.[1];
  if (given === undefined) throw new ApiTokenError(false);
  if (!isApiToken(given, token)) throw new ApiTokenError(true);
}

/** POST, PUT and PATCH always count: an empty forged body must not skip the type check. */
function hasBody(method: string, headers: Headers): boolean {
  if (["POST", "PUT", "PATCH"].includes(method)) return true;
  const length = headers.get("content-length");
  return headers.has("transfer-encoding") || (length !== null && length !== "0");
}

function checkContentType(contentType: string | null, expected: string): void {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== expected) throw new UnsupportedContentTypeError(contentType, expected);
}
