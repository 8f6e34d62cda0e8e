import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RotationRecord } from "@fleet/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

const ROTATION: RotationRecord = {
  rotationId: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
  thingName: "10000000a1b2c3d4",
  oldCertificateId: "a".repeat(64),
  newCertificateId: null,
  jobId: "rotate-10000000a1b2c3d4-1795000000",
  step: "requested",
  reason: null,
  startedAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
  deadline: "2026-11-21T10:05:00.000Z",
};

/** A stand-in for the sandbox API: records requests, answers rotation routes. */
describe("fleet rotation against a sandbox", () => {
  let server: Server;
  let stateDir: string;
  const requests: { method: string; url: string; body: string }[] = [];
  const { stdout, stderr } = captureCliOutput();

  beforeEach(async () => {
    requests.length = 0;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        requests.push({ method: req.method ?? "", url: req.url ?? "", body });
        res.setHeader("content-type", "application/json");
        if (req.url === "/v1/rotations" && req.method === "POST" && body.includes("unknown")) {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: "no thing named 10000000unknown" }));
          return;
        }
        res.end(JSON.stringify(req.url === "/v1/rotations" ? [ROTATION] : []));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    stateDir = await mkdtemp(join(tmpdir(), "fleet-rotation-"));
    await writeFile(
      join(stateDir, "sandbox.json"),
      JSON.stringify({
        version: 1,
        pid: process.pid,
        apiUrl: `http://127.0.0.1:${port}`,
        token: "rotation-test-token-0123456789",
        mqtt: { host: "127.0.0.1", port: 8883 },
        startedAt: new Date().toISOString(),
      }),
    );
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("start --device posts the device and prints the started rotation", async () => {
    const code = await main([
      "rotation",
      "start",
      "--device",
      "10000000a1b2c3d4",
      "--state-dir",
      stateDir,
    ]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    expect(requests).toEqual([
      { method: "POST", url: "/v1/rotations", body: '{"device":"10000000a1b2c3d4"}' },
    ]);
    expect(stdout.join("")).toContain(ROTATION.rotationId);
    expect(stdout.join("")).toContain("requested");
  });

  it("start --expiring-within posts the window in milliseconds and --json prints the records", async () => {
    const code = await main([
      "rotation",
      "start",
      "--expiring-within",
      "30d",
      "--json",
      "--state-dir",
      stateDir,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(requests[0]?.body ?? "")).toEqual({ expiringWithinMs: 30 * 86_400_000 });
    expect(JSON.parse(stdout.join(""))).toEqual([ROTATION]);
  });

  it("status lists the sandbox's rotations as JSON", async () => {
    expect(await main(["rotation", "status", "--json", "--state-dir", stateDir])).toBe(0);
    expect(requests).toEqual([{ method: "GET", url: "/v1/rotations", body: "" }]);
    expect(JSON.parse(stdout.join(""))).toEqual([ROTATION]);
  });

  it("a device the sandbox cannot rotate fails with the sandbox's reason", async () => {
    const code = await main([
      "rotation",
      "start",
      "--device",
      "10000000unknown",
      "--state-dir",
      stateDir,
    ]);
    expect(code).toBe(1);
    expect(stderr.join("")).toMatch(/answered 404: no thing named 10000000unknown/);
  });

  it.each([
    ["neither --device nor --expiring-within", []],
    [
      "both --device and --expiring-within",
      ["--device", "10000000a1b2c3d4", "--expiring-within", "1d"],
    ],
    ["a window that is not a duration", ["--expiring-within", "soon"]],
    ["a serial with a bad character", ["--device", "1000/0000"]],
    ["--deadline without --stage", ["--device", "10000000a1b2c3d4", "--deadline", "1h"]],
  ])("start with %s is a usage error that asks the sandbox nothing", async (_, flags) => {
    const code = await main(["rotation", "start", ...flags, "--state-dir", stateDir]);
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: .+\n$/);
    expect(requests).toEqual([]);
  });
});
