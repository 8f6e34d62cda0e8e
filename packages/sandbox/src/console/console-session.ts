import { createApiToken, isApiToken } from "../http-api/api-token.ts";

/** Where the console lives on the API; its launch URL is `/console/?token=<the run's token>`. */
export const CONSOLE_PATH = "/console/";

/**
 * The browser's credential for one sandbox run: the launch URL's token (the API's own, printed
 * once at start, as notebook servers do) is exchanged for this cookie, so the token leaves the
 * address bar at once and page scripts never hold a credential (HttpOnly). SameSite=Strict keeps
 * other sites' pages from sending it; its name carries the port because cookies are shared by
 * every port of a host (RFC 6265, section 8.5), so two sandboxes do not overwrite each other's.
 */
export interface ConsoleSession {
  /** True when the `Cookie` header carries this run's session. */
  isSession(cookieHeader: string | undefined, port: number): boolean;
  /** The `Set-Cookie` value that starts a session. */
  setCookie(port: number): string;
}

export function createConsoleSession(): ConsoleSession {
  // Not the API token: a cookie can only ever act as a cookie.
  const secret = createApiToken();
  const cookieName = (port: number) => `fleet-console-${port}`;
  return {
    isSession(cookieHeader, port) {
      const value = readCookie(cookieHeader, cookieName(port));
      return value !== undefined && isApiToken(value, secret);
    },
    // No Max-Age: a browser session cookie, gone with the browser; the secret dies with the run.
    setCookie: (port) => `${cookieName(port)}=${secret}; Path=/; HttpOnly; SameSite=Strict`,
  };
}

/** The console's launch URL for an API: the token is exchanged for the session cookie. */
export function consoleUrl(apiUrl: string, token: string): string {
  const url = new URL(CONSOLE_PATH, apiUrl);
  url.searchParams.set("token", token);
  return url.href;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(";") ?? []) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}
