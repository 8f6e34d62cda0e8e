import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

function samples(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    thing: "sim-0001",
    time: new Date(Date.UTC(2026, 10, 21, 10) - i * 1000).toISOString(),
    seq: count - i,
    measure: "vehicle.battery.soc",
    value: 80,
  }));
}

describe("fleet telemetry against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();

  it("an unknown device fails with the sandbox's reason naming the closest devices, exit 2", async () => {
    const reason = "no device sim-0003 in the fleet (did you mean sim-0001, sim-0002?)";
    api.route = () => ({ status: 404, body: { error: reason } });
    const code = await main([
      "telemetry",
      "query",
      "--device",
      "sim-0003",
      "--state-dir",
      api.stateDir,
    ]);
    expect(code).toBe(2);
    expect(stdout.join("")).toBe("");
    expect(stderr.join("")).toMatch(
      /^fleet: .*answered 404: no device sim-0003 in the fleet \(did you mean sim-0001, sim-0002\?\)\n$/,
    );
  });

  it("results cut at --limit say so on stderr, naming --limit; stdout stays the rows", async () => {
    api.route = () => ({ body: samples(5) });
    const args = ["telemetry", "query", "--device", "sim-0001", "--limit", "5", "--json"];
    expect(await main([...args, "--state-dir", api.stateDir])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toHaveLength(5);
    expect(stderr.join("")).toBe(
      "fleet: showing the newest 5 samples, the --limit; there may be more: raise --limit (up to 10000) or narrow --since\n",
    );
  });

  it("results under --limit say nothing more", async () => {
    api.route = () => ({ body: samples(4) });
    const args = ["telemetry", "query", "--device", "sim-0001", "--limit", "5"];
    expect(await main([...args, "--state-dir", api.stateDir])).toBe(0);
    expect(stderr.join("")).toBe("");
  });

  it("measures lists the device's measure names", async () => {
    const names = ["system.cpu.load1", "vehicle.battery.soc"];
    api.route = ({ url }) =>
      url.startsWith("/v1/telemetry/measures?") ? { body: names } : undefined;
    const args = ["telemetry", "measures", "--device", "sim-0001", "--state-dir", api.stateDir];
    expect(await main(args)).toBe(0);
    expect(api.requests[0]?.url).toMatch(/^\/v1\/telemetry\/measures\?device=sim-0001&since=/);
    expect(stdout.join("").split("\n")).toEqual(["measure", "-------------------", ...names, ""]);
    stdout.length = 0;
    expect(await main([...args, "--json"])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual(names);
  });
});
