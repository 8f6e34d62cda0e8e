import type { MiddlewareHandler } from "hono";
import {
  ApiTokenError,
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
}

const JSON_TYPE = "application/json";
const FILE_TYPE = "application/octet-stream";

/**
 * Every request to the sandbox API passes these checks before a route runs; the API can create
 * jobs whose commands run on this machine, so a web page or another host must not reach it:
 *  1. `Host` is a loopback name with the API's port (421): a page whose DNS name was rebound to
 *     127.0.0.1 still sends its own name.
 *  2. No `Origin`, or one listed in `allowedOrigins` (403): browsers send it on cross-origin
 *     requests; the CLI never does.
 *  3. `Authorization: Bearer <token>` with this run's token (401), compared in constant time.
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
    checkHost(headers.get("host"), options.port());
    checkOrigin(headers.get("origin"), allowedOrigins);
    checkToken(headers.get("authorization"), options.token);
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

function checkOrigin(origin: string | null, allowed: ReadonlySet<string>): void {
  if (origin !== null && !allowed.has(origin)) throw new ForeignOriginError(origin);
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
