import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/main.ts";

describe("fleet CLI failures", () => {
  afterEach(() => vi.restoreAllMocks());

  function captureStderr() {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  }

  it("fleet devices without a running sandbox exits non-zero with a one-line reason", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-cli-"));
    const stderr = captureStderr();
    const code = await main(["devices", "--json", "--state-dir", stateDir]);
    expect(code).toBe(3);
    expect(stderr.join("")).toMatch(/^fleet: no sandbox is running on state dir .*\n$/);
  });

  it("a sandbox.json naming a dead process is reported as stale", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-cli-"));
    const info = {
      version: 1,
      pid: 2 ** 22 + 7, // above Linux's pid_max default: never a live process
      apiUrl: "http://127.0.0.1:9",
      token: "a-token-of-a-sandbox-long-gone",
      mqtt: { host: "127.0.0.1", port: 8883 },
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(stateDir, "sandbox.json"), JSON.stringify(info));
    const stderr = captureStderr();
    expect(await main(["devices", "--state-dir", stateDir])).toBe(3);
    expect(stderr.join("")).toMatch(/names pid \d+, which is not running/);
  });
});

describe("fleet --version", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints the package version and the git commit it runs, exit 0", async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => out.push(String(chunk)) > 0);
    expect(await main(["--version"])).toBe(0);
    expect(out.join("")).toMatch(/^fleet 0\.1\.0 \((commit [0-9a-f]{12}|commit unknown)\)\n$/);
  });
});
