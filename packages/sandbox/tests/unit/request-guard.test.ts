import { describe, expect, it } from "vitest";
import { createApiToken, isApiToken } from "../../src/http-api/api-token.ts";
import { isLoopbackHost } from "../../src/http-api/loopback.ts";
import { createSandboxApp } from "../../src/http-api/sandbox-api.ts";
import type { CreateJobInput } from "../../src/jobs/job-store.ts";
import { jobDetail } from "../../src/jobs/job-views.ts";

const TOKEN = createApiToken();
const PORT = 4123;
const CLI_HEADERS = { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` };
const JOB = { jobId: "guarded", document: { operation: "reboot" }, targets: ["SN-1"] };

/** An API whose backend records the jobs and allow-lists that reach it. */
function guardedApp(allowedOrigins: string[] = []) {
  const created: CreateJobInput[] = [];
  const uploaded: Uint8Array[] = [];
  const app = createSandboxApp(
    {
      listDevices: async () => [],
      createJob: async (input) => {
        created.push(input);
        const { jobId, document } = input;
        const createdAt = "2026-01-01T00:00:00.000Z";
        return jobDetail({ jobId, document, targets: [], status: "IN_PROGRESS", createdAt }, []);
      },
      uploadAllowList: async ({ body }) => {
        uploaded.push(body);
        return {
          format: "text",
          serials: 1,
          duplicates: [],
          currentVersion: null,
          diff: { added: 1, removed: 0, unchanged: 0, addedSample: ["SN-1"], removedSample: [] },
          version: "v",
          reconcile: null,
        };
      },
    },
    { token: TOKEN, port: () => PORT, allowedOrigins },
  );
  const send = async (path: string, headers: Record<string, string>, init: RequestInit = {}) => {
    const response = await app.request(path, { ...init, headers });
    return {
      status: response.status,
      body: (await response.json()) as { error: string },
      response,
    };
  };
  return { send, created, uploaded };
}

const postJob = (headers: Record<string, string>) => ({
  path: "/v1/jobs",
  headers,
  init: { method: "POST", body: JSON.stringify(JOB) },
});

describe("the sandbox API's request guard", () => {
  it("lets the CLI's requests through: loopback Host, its token, JSON bodies", async () => {
    const { send, created } = guardedApp();
    expect((await send("/v1/devices", CLI_HEADERS)).status).toBe(200);
    const job = postJob({ ...CLI_HEADERS, "content-type": "application/json; charset=utf-8" });
    expect((await send(job.path, job.headers, job.init)).status).toBe(201);
    expect(created).toHaveLength(1);
  });

  it("answers to localhost, 127.0.0.1 and [::1] with the API's port", async () => {
    const { send } = guardedApp();
    for (const host of [`localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`]) {
      expect((await send("/v1/devices", { ...CLI_HEADERS, host })).status).toBe(200);
    }
  });

  it("refuses with 421 a Host that is another name or port, as a DNS-rebound page sends", async () => {
    const { send } = guardedApp();
    for (const host of [
      `evil.example:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      "127.0.0.1",
      "localhost",
    ]) {
      const refused = await send("/v1/devices", { ...CLI_HEADERS, host });
      expect(refused.status).toBe(421);
      expect(refused.body.error).toContain(`Host ${host}`);
    }
    const { host: _, ...withoutHost } = CLI_HEADERS;
    expect((await send("/v1/devices", withoutHost)).body.error).toContain("Host missing");
  });

  it("refuses with 403 a request carrying a browser Origin, even with the token", async () => {
    const { send, created } = guardedApp();
    for (const origin of ["https://evil.example", "null", `http://127.0.0.1:${PORT}`]) {
      const job = postJob({ ...CLI_HEADERS, origin, "content-type": "application/json" });
      const refused = await send(job.path, job.headers, job.init);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe(`requests from web pages are refused (Origin ${origin})`);
    }
    expect(created).toEqual([]);
  });

  it("accepts an Origin only when it is listed as the sandbox's own page", async () => {
    const own = `http://127.0.0.1:${PORT}`;
    const { send } = guardedApp([own]);
    expect((await send("/v1/devices", { ...CLI_HEADERS, origin: own })).status).toBe(200);
    expect((await send("/v1/devices", { ...CLI_HEADERS, origin: "http://x" })).status).toBe(403);
  });

  it("refuses with 401 a request without the token or with another, naming which", async () => {
    const { send } = guardedApp();
    const { authorization: _, ...withoutToken } = CLI_HEADERS;
    const missing = await send("/v1/devices", withoutToken);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/^missing bearer token/);
    expect(missing.response.headers.get("www-authenticate")).toBe('Bearer realm="sandbox"');
    for (const authorization of [`Bearer ${createApiToken()}`, `Bearer ${TOKEN}x`, "Bearer"]) {
      const wrong = await send("/v1/devices", { ...CLI_HEADERS, authorization });
      expect(wrong.status).toBe(401);
    }
    const basic = await send("/v1/devices", { ...CLI_HEADERS, authorization: `Basic ${TOKEN}` });
    expect(basic.body.error).toMatch(/^missing bearer token/);
    const other = await send("/v1/devices", { ...CLI_HEADERS, authorization: "Bearer nope" });
    expect(other.body.error).toMatch(/^wrong bearer token/);
  });

  it("refuses with 415 a body not declared as JSON, the types a web form can send included", async () => {
    const { send, created } = guardedApp();
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const job = postJob({ ...CLI_HEADERS, "content-type": type });
      const refused = await send(job.path, job.headers, job.init);
      expect(refused.status).toBe(415);
      expect(refused.body.error).toBe(`the body must be sent as application/json (got ${type})`);
    }
    const untyped = postJob(CLI_HEADERS);
    expect((await send(untyped.path, untyped.headers, untyped.init)).status).toBe(415);
    expect(created).toEqual([]);
  });

  it("takes the allow-list upload as a file's bytes and nothing a form can send", async () => {
    const { send, uploaded } = guardedApp();
    const put = (type: string) =>
      send(
        "/v1/allowlist",
        { ...CLI_HEADERS, "content-type": type },
        { method: "PUT", body: "serial\nSN-1\n" },
      );
    expect((await put("text/plain")).status).toBe(415);
    expect((await put("application/octet-stream")).status).toBe(200);
    expect(uploaded).toHaveLength(1);
  });

  it("guards paths no route serves as well", async () => {
    const { send } = guardedApp();
    expect((await send("/v2/anything", { host: CLI_HEADERS.host })).status).toBe(401);
    expect((await send("/v2/anything", CLI_HEADERS)).status).toBe(404);
  });
});

describe("the sandbox API's token", () => {
  it("is 256 random bits, new at each call", () => {
    const token = createApiToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(createApiToken()).not.toBe(token);
  });

  it("matches only itself, whatever the length of the guess", () => {
    expect(isApiToken(TOKEN, TOKEN)).toBe(true);
    expect(isApiToken(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(isApiToken("", TOKEN)).toBe(false);
    expect(isApiToken(`${TOKEN}${TOKEN}`, TOKEN)).toBe(false);
  });
});

describe("loopback hosts", () => {
  it("are localhost, 127.0.0.0/8 and ::1; a wildcard or another address is not", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.0.2.2", "localhost.evil.example", "127.example"]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
