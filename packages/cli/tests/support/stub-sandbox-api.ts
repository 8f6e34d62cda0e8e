// A stand-in for a running sandbox's API: records requests, answers with what a test routes.
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
}

export type StubReply = { status?: number; body: unknown };
export type StubRoute = (request: RecordedRequest) => StubReply | undefined;

export interface StubSandboxApi {
  /** The sandbox state dir to pass as `--state-dir` (its sandbox.json names the stub). */
  stateDir: string;
  requests: RecordedRequest[];
  /** Answers each request; undefined → 404. Reset to that before every test. */
  route: StubRoute;
}

/** Registers hooks in the calling `describe` that start the stub on a random port per test. */
export function stubSandboxApi(): StubSandboxApi {
  const api: StubSandboxApi = { stateDir: "", requests: [], route: () => undefined };
  let server: Server;
  beforeEach(async () => {
    api.requests.length = 0;
    api.route = () => undefined;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const request = { method: req.method ?? "", url: req.url ?? "", body };
        api.requests.push(request);
        const reply = api.route(request) ?? { status: 404, body: { error: "not found" } };
        res.statusCode = reply.status ?? 200;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    api.stateDir = await mkdtemp(join(tmpdir(), "fleet-stub-sandbox-"));
    await writeFile(
      join(api.stateDir, "sandbox.json"),
      JSON.stringify({
        version: 1,
        pid: process.pid,
        apiUrl: `http://127.0.0.1:${port}`,
        token: "stub-sandbox-token-0123456789",
        mqtt: { host: "127.0.0.1", port: 8883 },
        startedAt: new Date().toISOString(),
      }),
    );
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  return api;
}
