// Issue 14, attack 2: forged requests to the sandbox API. A web page (foreign Origin, a body it
// may send without a CORS preflight), another local process without the token, a DNS-rebound
// name, and another machine while `--host 0.0.0.0` put the broker on every interface.
import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DeviceView, DeviceViewSchema, JobSummarySchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { readSandboxInfo, type SandboxInfo, sandboxInfoPath } from "../../src/http-api/index.ts";
import { fleet } from "../e2e/ota-fixture.ts";
import { tempDir, waitFor } from "../e2e/sandbox-fixture.ts";

const FLEET_BIN = fileURLToPath(new URL("../../../cli/src/bin/fleet.ts", import.meta.url));

/** The job a page posted in the attack: its command ran on the developer's machine. */
const FORGED_JOB = {
  jobId: "forged-os-update",
  document: { operation: "os-update", version: "6.6.6", commands: ["touch /tmp/forged"] },
  thingGroups: ["fleet-sandbox-devices"],
};

/** An address of this machine other than 127.0.0.1: what another host (or 0.0.0.0) reaches. */
function nonLoopbackAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((each) => each?.family === "IPv4" && !each.internal);
  // Linux routes all of 127.0.0.0/8 to lo: a socket bound to 0.0.0.0 answers 127.0.0.2, one
  // bound to 127.0.0.1 does not.
  return external?.address ?? "127.0.0.2";
}

/** "connected" or the socket error's code. */
function tcpProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** A raw HTTP request, so that `Host` is exactly what a rebound page's browser would send. */
function rawRequest(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.once("error", reject);
    req.end();
  });
}

describe("attack: forged requests to the sandbox API", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stateDir: string;
  let sandbox: ChildProcess;
  let stderr = "";
  let info: SandboxInfo;

  const listJobs = async () =>
    JobSummarySchema.array().parse(
      JSON.parse(await fleet("jobs", "--json", "--state-dir", stateDir)),
    );

  beforeAll(async () => {
    dir = await tempDir("api-forgery");
    stateDir = join(dir.path, "state");
    sandbox = spawn(
      process.execPath,
      [
        FLEET_BIN,
        "sandbox",
        ...["--devices", "0", "--state-dir", stateDir, "--mqtt-port", "0", "--host", "0.0.0.0"],
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    sandbox.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    info = await waitFor(
      "sandbox.json",
      async () => (await readSandboxInfo(stateDir)) ?? undefined,
    );
  });

  afterAll(async () => {
    if (sandbox.exitCode === null) {
      const exited = new Promise((resolve) => sandbox.once("exit", resolve));
      sandbox.kill("SIGINT");
      await exited;
    }
    await dir.remove();
  });

  it("a page's text/plain POST with a foreign Origin is refused and creates no job", async () => {
    const before = await listJobs();
    const forged = await fetch(`${info.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://attacker.example" },
      body: JSON.stringify(FORGED_JOB),
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({
      error: "requests from web pages are refused (Origin https://attacker.example)",
    });
    // Even holding the token, a page's body type is refused.
    const typed = await fetch(`${info.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${info.token}` },
      body: JSON.stringify(FORGED_JOB),
    });
    expect(typed.status).toBe(415);
    expect(await listJobs()).toEqual(before);
  });

  it("a request without the sandbox's token is refused with 401, with a wrong one too", async () => {
    const before = await listJobs();
    for (const headers of [
      { "content-type": "application/json" },
      { "content-type": "application/json", authorization: "Bearer guessed-token-0123456789" },
    ]) {
      const response = await fetch(`${info.apiUrl}/v1/jobs`, {
        method: "POST",
        headers,
        body: JSON.stringify(FORGED_JOB),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/bearer token/);
    }
    expect((await fetch(`${info.apiUrl}/v1/devices`)).status).toBe(401);
    expect(await listJobs()).toEqual(before);
  });

  it("a request naming another Host (DNS rebinding) is refused with 421, even with the token", async () => {
    const { port } = new URL(info.apiUrl);
    const refused = await rawRequest(`${info.apiUrl}/v1/devices`, {
      host: `attacker.example:${port}`,
      authorization: `Bearer ${info.token}`,
    });
    expect(refused.status).toBe(421);
    expect(refused.body.error).toContain(`Host attacker.example:${port}`);
  });

  it("with --host 0.0.0.0 the broker listens beyond loopback, with a warning, and the API does not", async () => {
    const address = nonLoopbackAddress();
    expect(new URL(info.apiUrl).hostname).toBe("127.0.0.1");
    expect(await tcpProbe(address, Number(new URL(info.apiUrl).port))).toBe("ECONNREFUSED");
    // The same address reaches the broker: the probe would have found the API there.
    expect(await tcpProbe(address, info.mqtt.port)).toBe("connected");
    expect(stderr).toContain("warning: MQTT listens on 0.0.0.0, beyond loopback");
    expect(stderr).toContain(`the API stays on ${info.apiUrl}`);
  });

  it("keeps the token in a sandbox.json only its owner can read", async () => {
    expect((await stat(sandboxInfoPath(stateDir))).mode & 0o777).toBe(0o600);
    expect(Buffer.from(info.token, "base64url").length).toBeGreaterThanOrEqual(16);
  });

  it("the CLI, which sends the token, still works, and the same job sent as it sends it is created", async () => {
    const devices: DeviceView[] = z
      .array(DeviceViewSchema)
      .parse(JSON.parse(await fleet("devices", "--json", "--state-dir", stateDir)));
    expect(devices).toEqual([]);
    const created = await fetch(`${info.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${info.token}` },
      body: JSON.stringify({ ...FORGED_JOB, jobId: "operator-job" }),
    });
    // The body was never the problem: the guard refused the forgeries.
    expect(created.status).toBe(201);
    expect((await listJobs()).map((job) => job.jobId)).toEqual(["operator-job"]);
  });
});
