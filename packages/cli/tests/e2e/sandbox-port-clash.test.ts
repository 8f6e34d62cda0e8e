import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox } from "../support/fleet-process.ts";

describe("fleet sandbox on a taken MQTT port", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("exits at once with one line naming --mqtt-port, and creates no state dir", async () => {
    server = createServer();
    const taken = server;
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const stateDir = join(await mkdtemp(join(tmpdir(), "fleet-port-clash-")), "state");

    const started = Date.now();
    // startSandbox passes --mqtt-port 0; the later --mqtt-port wins.
    const clash = startSandbox(stateDir, "1", ["--mqtt-port", String(port)]);
    let stderr = "";
    clash.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => clash.once("exit", resolve));

    expect(code).toBe(1);
    expect(stderr).toBe(
      `fleet: MQTT port ${port} on 127.0.0.1 is in use; pick another with --mqtt-port\n`,
    );
    expect(existsSync(stateDir)).toBe(false);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
