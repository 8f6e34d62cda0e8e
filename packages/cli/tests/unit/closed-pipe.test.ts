import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { FLEET_BIN } from "../support/fleet-process.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

/** Runs the real bin with its stdout read by a reader that goes away after the first chunk. */
async function pipedIntoEarlyClose(args: string[]) {
  const child = spawn(process.execPath, [FLEET_BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, stderr };
}

describe("fleet output piped into a reader that stops early (| head)", () => {
  const api = stubSandboxApi();
  const samples = Array.from({ length: 10_000 }, (_, i) => ({
    thing: "sim-0001",
    time: new Date(Date.UTC(2026, 10, 21, 10) - i * 1000).toISOString(),
    seq: 10_000 - i,
    measure: "vehicle.battery.soc",
    value: 80 - i / 1000,
  }));
  const query = ["telemetry", "query", "--device", "sim-0001", "--limit", "10000"];

  it.each([
    ["a table", []],
    ["--json", ["--json"]],
  ])("telemetry query as %s ends quietly with exit 0, no stack trace", async (_, extra) => {
    api.route = ({ url }) => (url.startsWith("/v1/telemetry?") ? { body: samples } : undefined);
    const { code, stderr } = await pipedIntoEarlyClose([
      ...query,
      ...extra,
      "--state-dir",
      api.stateDir,
    ]);
    expect(stderr).not.toMatch(/EPIPE|Error| {4}at /);
    expect(code).toBe(0);
  });
});
