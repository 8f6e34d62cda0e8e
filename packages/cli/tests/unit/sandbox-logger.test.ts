import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSandboxLogger } from "../../src/sandbox/sandbox-logger.ts";
import { waitFor } from "../support/fleet-process.ts";

describe("sandbox.log", () => {
  it("times its lines in ISO 8601 UTC, as device.log does (not epoch milliseconds)", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-log-"));
    const logger = createSandboxLogger(stateDir);
    logger.info({ serial: "sim-0001" }, "simulated device rebooted");
    // The file opens asynchronously: wait for the line.
    const line = await waitFor(
      "the line in sandbox.log",
      async () =>
        (await readFile(join(stateDir, "sandbox.log"), "utf8")).split("\n")[0] || undefined,
      5_000,
    );
    const { time } = JSON.parse(line) as { time: unknown };
    expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
