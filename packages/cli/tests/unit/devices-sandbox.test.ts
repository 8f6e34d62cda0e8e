import type { DeviceView } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { formatApps } from "../../src/output/device-columns.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const DEVICES: DeviceView[] = [
  {
    serial: "sim-0002",
    thingName: "sim-0002",
    state: "provisioned",
    connected: true,
    certificateId: "c".repeat(64),
    notAfter: "2027-11-01T00:00:00.000Z",
    reason: null,
    apps: {},
  },
  {
    serial: "sim-0001",
    thingName: "sim-0001",
    state: "provisioned",
    connected: true,
    certificateId: "d".repeat(64),
    notAfter: "2027-11-01T00:00:00.000Z",
    reason: null,
    apps: { led: "1.0.0", button: "1.0.0" },
  },
];

describe("fleet devices against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout } = captureCliOutput();

  it("shows each device's running apps as name@version, and - before it reported any", async () => {
    api.route = () => ({ body: DEVICES });
    expect(await main(["devices", "--state-dir", api.stateDir])).toBe(0);
    const lines = stdout.join("").split("\n");
    expect(lines.find((line) => line.includes("serial"))).toMatch(/not after.*apps/);
    expect(lines.find((line) => line.includes("sim-0001"))).toMatch(/button@1\.0\.0, led@1\.0\.0/);
    expect(lines.find((line) => line.includes("sim-0002"))).not.toContain("@");
  });

  it("--json rows carry apps", async () => {
    api.route = () => ({ body: DEVICES });
    expect(await main(["devices", "--json", "--state-dir", api.stateDir])).toBe(0);
    const rows = JSON.parse(stdout.join("")) as DeviceView[];
    expect(rows.map((row) => [row.serial, row.apps])).toEqual([
      ["sim-0001", { led: "1.0.0", button: "1.0.0" }],
      ["sim-0002", {}],
    ]);
  });
});

describe("fleet devices reset against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();

  it("asks the sandbox to reset the serial and prints the certificates it revoked", async () => {
    const revoked = ["c".repeat(64)];
    api.route = () => ({ body: { serial: "sim-0001", thingName: "sim-0001", revoked } });
    const code = await main(["devices", "reset", "sim-0001", "--state-dir", api.stateDir]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    expect(api.requests.map((r) => [r.method, r.url])).toEqual([
      ["POST", "/v1/devices/sim-0001/reset"],
    ]);
    expect(stdout.join("")).toBe(
      `sim-0001: certificates revoked: ${revoked[0]}; it may provision again by claim\n`,
    );
  });
});

describe("formatApps", () => {
  it("is - for a device that has reported no apps", () => {
    expect(formatApps({})).toBe("-");
  });
});
