import { once } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REBOOT_EXIT_CODE } from "@fleet/device";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DeviceSupervisor } from "../../src/sandbox/device-supervisor.ts";

// A stand-in device: appends "boot" to its --config file at each start, then exits with the
// code in EXIT_CODE on its first boot and keeps running on the next.
const FAKE_DEVICE = `
const { appendFileSync, readFileSync } = require("node:fs");
const file = process.argv[process.argv.indexOf("--config") + 1];
appendFileSync(file, "boot\\n");
if (readFileSync(file, "utf8").split("\\n").length === 2) process.exit(Number(process.env.EXIT_CODE));
setInterval(() => {}, 1000);
process.on("SIGTERM", () => process.exit(0));
`;

describe("DeviceSupervisor", () => {
  let supervisor: DeviceSupervisor | undefined;

  afterEach(async () => {
    await supervisor?.stopAll();
    vi.unstubAllEnvs();
  });

  async function superviseFakeDevice(exitCode: number) {
    const dir = await mkdtemp(join(tmpdir(), "fleet-supervisor-"));
    vi.stubEnv("EXIT_CODE", String(exitCode));
    const script = join(dir, "fake-device.cjs");
    await writeFile(script, FAKE_DEVICE);
    // A long restart delay: only a simulated reboot is restarted while the test runs.
    supervisor = new DeviceSupervisor({
      command: [process.execPath, script],
      restartDelayMs: 600_000,
    });
    const configPath = join(dir, "boots.txt");
    supervisor.start({ serial: "sim-0001", configPath, logPath: join(dir, "device.log") });
    return { supervisor, configPath };
  }

  it("restarts a device that exits with the reboot code at once and reports a reboot", async () => {
    const { supervisor, configPath } = await superviseFakeDevice(REBOOT_EXIT_CODE);
    const exits: unknown[] = [];
    supervisor.on("exit", (...args) => exits.push(args));
    await once(supervisor, "reboot");
    await expect.poll(() => readFile(configPath, "utf8")).toBe("boot\nboot\n");
    expect(supervisor.restartCount("sim-0001")).toBe(1);
    expect(exits).toEqual([]);
  });

  it("waits the restart delay before restarting a device that failed", async () => {
    const { supervisor, configPath } = await superviseFakeDevice(1);
    const reboots: string[] = [];
    supervisor.on("reboot", (serial) => reboots.push(serial));
    const [serial, code] = await once(supervisor, "exit");
    expect([serial, code]).toEqual(["sim-0001", 1]);
    expect(await readFile(configPath, "utf8")).toBe("boot\n");
    expect(reboots).toEqual([]);
  });
});
