import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const REQUEST_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const THING = "10000000a1b2c3d4";

describe("fleet led against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();

  it("sends the led command with the flags as params and prints the LED state the device replied", async () => {
    api.route = () => ({
      body: {
        status: "accepted",
        reply: { requestId: REQUEST_ID, result: { on: true, blinking: true, blinkHz: 2.5 } },
      },
    });
    const code = await main([
      "led",
      "--device",
      THING,
      "--on",
      "--blink",
      "--hz",
      "2.5",
      "--state-dir",
      api.stateDir,
    ]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.url).toBe("/v1/commands");
    expect(JSON.parse(api.requests[0]?.body ?? "")).toEqual({
      thingName: THING,
      command: "led",
      params: { on: true, blinking: true, blinkHz: 2.5 },
    });
    expect(stdout.join("")).toBe(`${THING} LED: on=true blinking=true blinkHz=2.5\n`);
  });

  it("--off --steady --json prints the reply as JSON", async () => {
    api.route = () => ({
      body: {
        status: "accepted",
        reply: { requestId: REQUEST_ID, result: { on: false, blinking: false, blinkHz: 1 } },
      },
    });
    const code = await main([
      "led",
      "--device",
      THING,
      "--off",
      "--steady",
      "--json",
      "--state-dir",
      api.stateDir,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(api.requests[0]?.body ?? "").params).toEqual({ on: false, blinking: false });
    expect(JSON.parse(stdout.join(""))).toEqual({
      thingName: THING,
      kind: "accepted",
      requestId: REQUEST_ID,
      state: { on: false, blinking: false, blinkHz: 1 },
    });
  });

  it("a rejection fails with the device's reason", async () => {
    api.route = () => ({
      body: {
        status: "rejected",
        reply: { requestId: REQUEST_ID, errorCode: "APP_NOT_RUNNING", errorMessage: "no led app" },
      },
    });
    const code = await main(["led", "--device", THING, "--on", "--state-dir", api.stateDir]);
    expect(code).toBe(1);
    expect(stderr.join("")).toBe(
      `fleet: ${THING} rejected the led command: APP_NOT_RUNNING: no led app\n`,
    );
  });

  it("a device that does not answer fails saying so", async () => {
    api.route = () => ({ status: 504, body: { error: "no reply within 5000 ms" } });
    const code = await main(["led", "--device", THING, "--on", "--state-dir", api.stateDir]);
    expect(code).toBe(1);
    expect(stderr.join("")).toBe(
      `fleet: ${THING} did not answer the led command: no reply within 5000 ms\n`,
    );
  });

  it.each([
    ["no LED flag", []],
    ["--on and --off", ["--on", "--off"]],
    ["--blink and --steady", ["--blink", "--steady"]],
    ["a zero frequency", ["--hz", "0"]],
    ["a frequency over 50 Hz", ["--hz", "51"]],
    ["a frequency that is not a number", ["--hz", "fast"]],
  ])("%s is a usage error that sends nothing", async (_, flags) => {
    const code = await main(["led", "--device", THING, ...flags, "--state-dir", api.stateDir]);
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: .+\n$/);
    expect(api.requests).toEqual([]);
  });

  it("names the --hz flag when the frequency is out of range", async () => {
    await main(["led", "--device", THING, "--hz", "51", "--state-dir", api.stateDir]);
    expect(stderr.join("")).toMatch(/^fleet: --hz 51: /);
  });
});
