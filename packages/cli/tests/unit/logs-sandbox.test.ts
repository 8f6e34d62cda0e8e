import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const REQUEST_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const THING = "10000000a1b2c3d4";
const LINE = { id: "7/0", time: "2026-11-21T12:00:01.000Z", message: '{"msg":"device.running"}' };

describe("fleet logs against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();

  it("asks the device to ship, then reads its lines since --since through the operator API", async () => {
    api.route = (request) =>
      request.url === "/v1/commands"
        ? {
            body: {
              status: "accepted",
              reply: {
                requestId: REQUEST_ID,
                result: { shippingUntil: "2026-11-21T12:10:00.000Z" },
              },
            },
          }
        : { body: [LINE] };

    const code = await main([
      "logs",
      "--device",
      THING,
      "--since",
      "1h",
      "--state-dir",
      api.stateDir,
    ]);

    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(api.requests[0]?.body ?? "")).toEqual({
      thingName: THING,
      command: "logs",
      params: { forSeconds: 600 },
    });
    const read = new URL(api.requests[1]?.url ?? "", "http://sandbox");
    expect(read.pathname).toBe(`/v1/devices/${THING}/logs`);
    expect(Date.now() - Date.parse(read.searchParams.get("since") ?? "")).toBeGreaterThanOrEqual(
      3_600_000,
    );
    expect(stdout.join("")).toBe(`${LINE.time} ${LINE.message}\n`);
  });

  it("--json prints one object a line", async () => {
    api.route = (request) =>
      request.url === "/v1/commands"
        ? { body: { status: "accepted", reply: { requestId: REQUEST_ID, result: {} } } }
        : { body: [LINE, { ...LINE, id: "8/0" }] };

    expect(await main(["logs", "--device", THING, "--json", "--state-dir", api.stateDir])).toBe(0);

    expect(
      stdout
        .join("")
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([LINE, { ...LINE, id: "8/0" }]);
  });

  it("a device that does not answer is reported, and what it shipped before is still printed", async () => {
    api.route = (request) =>
      request.url === "/v1/commands"
        ? { status: 504, body: { error: "no reply within 10000 ms" } }
        : { body: [LINE] };

    expect(await main(["logs", "--device", THING, "--state-dir", api.stateDir])).toBe(0);

    expect(stderr.join("")).toBe(
      `${THING} did not answer the logs request (offline?); showing what it shipped before\n`,
    );
    expect(stdout.join("")).toBe(`${LINE.time} ${LINE.message}\n`);
  });

  it("a device that refuses is reported with its reason", async () => {
    api.route = (request) =>
      request.url === "/v1/commands"
        ? {
            body: {
              status: "rejected",
              reply: {
                requestId: REQUEST_ID,
                errorCode: "LOGS_UNAVAILABLE",
                errorMessage: "this device's logger hands its lines to no tap",
              },
            },
          }
        : { body: [] };

    expect(await main(["logs", "--device", THING, "--state-dir", api.stateDir])).toBe(0);

    expect(stderr.join("")).toMatch(/refused to ship logs \(LOGS_UNAVAILABLE: /);
  });

  it("an unknown device fails, naming it", async () => {
    api.route = () => ({ status: 404, body: { error: `thing ${THING} not found` } });

    expect(await main(["logs", "--device", THING, "--state-dir", api.stateDir])).toBe(1);
    expect(stderr.join("")).toMatch(new RegExp(THING));
  });
});
