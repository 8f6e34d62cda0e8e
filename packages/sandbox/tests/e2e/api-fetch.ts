import type { SandboxApi } from "../../src/index.ts";

/**
 * A request to the sandbox API as the CLI sends one: the run's bearer token, and a string body
 * declared as JSON unless the caller names another type (the allow-list's file bytes).
 */
export function apiFetch(api: SandboxApi, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${api.token}`);
  if (init.body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  return fetch(`${api.url}${path}`, { ...init, headers });
}
