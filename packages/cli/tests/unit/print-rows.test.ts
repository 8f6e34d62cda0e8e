import type { DeviceView } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { DEVICE_COLUMNS } from "../../src/output/device-columns.ts";
import { renderTable } from "../../src/output/print-rows.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const VERSION = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const DEVICES: DeviceView[] = [
  {
    serial: "10000000a1b2c3d4",
    thingName: "10000000a1b2c3d4",
    state: "revoked",
    connected: false,
    certificateId: "c".repeat(64),
    notAfter: "2027-11-01T00:00:00.000Z",
    reason: `removed from the allow-list (version ${VERSION}) by the reconcile of 2026-11-21T10:00:00.000Z`,
    apps: { led: "1.0.0", button: "1.0.0" },
  },
  {
    serial: "10000000a1b2c3d5",
    thingName: "10000000a1b2c3d5",
    state: "provisioned",
    connected: true,
    certificateId: "d".repeat(64),
    notAfter: "2027-11-01T00:00:00.000Z",
    reason: null,
    apps: {},
  },
];

describe("tables", () => {
  it("fit 100 columns on a terminal: a 64-hex version shortened, the certificate behind --wide, long cells cut", () => {
    const lines = renderTable(DEVICES, DEVICE_COLUMNS, { wide: false, maxWidth: 100 }).split("\n");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(/^serial +thing +state +connected +not after +apps +reason$/);
    expect(lines.join("\n")).not.toContain(VERSION);
    expect(lines.join("\n")).not.toContain("cccccccccccc");
    expect(lines[2]).toMatch(/…$/);
  });

  it("have one rule under the header and none under the rows", () => {
    const lines = renderTable(DEVICES, DEVICE_COLUMNS, { wide: false, maxWidth: 100 }).split("\n");
    expect(lines).toHaveLength(2 + DEVICES.length);
    expect(lines[1]).toMatch(/^[- ]+$/);
    expect(lines.slice(2).every((line) => /^10000000a1b2c3d/.test(line))).toBe(true);
  });

  it("--wide shows every column and every id in full", () => {
    const table = renderTable(DEVICES, DEVICE_COLUMNS, { wide: true });
    expect(table.split("\n")[0]).toMatch(/certificate/);
    expect(table).toContain(DEVICES[0]?.reason);
    expect(table).toContain("c".repeat(12));
  });
});

describe("fleet --wide", () => {
  const api = stubSandboxApi();
  const { stdout } = captureCliOutput();

  it("is taken after any command that prints a table, and only for that invocation", async () => {
    api.route = () => ({ body: DEVICES });
    expect(await main(["devices", "--wide", "--state-dir", api.stateDir])).toBe(0);
    expect(stdout.join("")).toContain(VERSION);
    expect(stdout.join("").split("\n")[0]).toMatch(/certificate/);
    stdout.length = 0;
    expect(await main(["devices", "--state-dir", api.stateDir])).toBe(0);
    expect(stdout.join("")).not.toContain(VERSION);
    expect(stdout.join("").split("\n")[0]).not.toMatch(/certificate/);
  });
});
