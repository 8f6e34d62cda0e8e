import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FLEET_BIN, waitFor } from "../support/fleet-process.ts";

/** A sandbox API answering devices (one, with `certificateId`) and no rotations, for `token`. */
async function sandboxApi(token: string, certificateId: string): Promise<Server> {
  const device = {
    serial: "sim-0001",
    thingName: "sim-0001",
    state: "provisioned",
    connected: true,
    certificateId,
    notAfter: "2027-11-01T00:00:00.000Z",
    reason: null,
    apps: {},
  };
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: "unauthorized" }));
    } else if (req.url === "/v1/devices") res.end(JSON.stringify([device]));
    else if (req.url === "/v1/rotations") res.end("[]");
    else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: "not found" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Announces `server` in `<stateDir>/sandbox.json`, as a (re)started sandbox does. */
async function announce(stateDir: string, server: Server, token: string): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const info = {
    version: 1,
    pid: process.pid,
    apiUrl: `http://127.0.0.1:${port}`,
    token,
    mqtt: { host: "127.0.0.1", port: 8883 },
    startedAt: new Date().toISOString(),
  };
  await writeFile(join(stateDir, "sandbox.json"), JSON.stringify(info));
}

describe("fleet rotation watch across a sandbox restart", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers) server.close();
  });

  it("re-reads sandbox.json and follows the new API port and token", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-watch-restart-"));
    const before = await sandboxApi("token-before-restart-0123456789", "a".repeat(64));
    servers.push(before);
    await announce(stateDir, before, "token-before-restart-0123456789");

    const watch = spawn(
      process.execPath,
      [FLEET_BIN, "rotation", "watch", "--state-dir", stateDir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    watch.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    try {
      await waitFor(
        "the first certificate",
        async () => (stdout.includes("aaaaaaaaaaaa") ? true : undefined),
        20_000,
      );

      // The restart: the old API goes away, a new one listens on another port, new token.
      before.close();
      const after = await sandboxApi("token-after-restart-0123456789", "b".repeat(64));
      servers.push(after);
      await announce(stateDir, after, "token-after-restart-0123456789");

      await waitFor(
        "the certificate from the restarted sandbox",
        async () => (stdout.includes("bbbbbbbbbbbb") ? true : undefined),
        20_000,
      );
    } finally {
      watch.kill("SIGINT");
    }
    expect(await new Promise((resolve) => watch.once("exit", resolve))).toBe(0);
  }, 60_000);
});
