import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FLEET_BIN, fleet, startSandbox, waitFor } from "../support/fleet-process.ts";

interface PrintedLine {
  id: string;
  time: string;
  message: string;
}

describe("fleet logs", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("--follow shows a line the device wrote within 5 s, and stops on Ctrl-C", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-logs-"));
    children.push(startSandbox(stateDir, "1"));
    await waitFor(
      "sim-0001 connected",
      async () => {
        const devices = JSON.parse(await fleet("devices", "--json", "--state-dir", stateDir));
        return devices[0]?.connected ? devices : undefined;
      },
      30_000,
    );

    const follow = spawn(
      process.execPath,
      [FLEET_BIN, "logs", "--device", "sim-0001", "--follow", "--json", "--state-dir", stateDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(follow);
    const printed: { line: PrintedLine; at: number }[] = [];
    let partial = "";
    follow.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const text of lines) printed.push({ line: JSON.parse(text), at: Date.now() });
    });
    // The device logs that it started shipping: that line is shipped too.
    await waitFor(
      "the device's logs.shipping line",
      async () => printed.find(({ line }) => line.message.includes('"msg":"logs.shipping"')),
      15_000,
    );

    // A command makes the device write a line (`command.handled`).
    const before = Date.now();
    await fleet("led", "--device", "sim-0001", "--on", "--state-dir", stateDir).catch(() => "");
    const handled = await waitFor(
      "the device's command.handled line",
      async () =>
        printed.find(
          ({ line, at }) =>
            at >= before &&
            line.message.includes('"msg":"command.handled"') &&
            line.message.includes('"command":"led"'),
        ),
      10_000,
    );
    // From the moment the device wrote the line (its time) to the moment `fleet logs` printed it.
    expect(handled.at - Date.parse(handled.line.time)).toBeLessThan(5_000);
    expect(JSON.parse(handled.line.message)).toMatchObject({ thingName: "sim-0001" });
    // Each line printed once.
    const ids = printed.map(({ line }) => line.id);
    expect(new Set(ids).size).toBe(ids.length);

    follow.kill("SIGINT");
    const code = await new Promise((resolve) => follow.once("exit", (exit) => resolve(exit)));
    expect(code).toBe(0);
  }, 90_000);
});
