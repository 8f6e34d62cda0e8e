import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

const THING = "10000000a1b2c3d4";

describe("fleet led --stage", () => {
  const iot = mockClient(IoTClient);
  const dataPlane = mockClient(IoTDataPlaneClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    iot.reset();
    dataPlane.reset();
    iot.on(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" }).resolves({
      endpointAddress: "abc123-ats.iot.eu-west-1.amazonaws.com",
    });
    dataPlane.on(PublishCommand).resolves({});
  });

  it("publishes the led command with a request id and says the reply shows in telemetry", async () => {
    const code = await main(["led", "--device", THING, "--blink", "--hz", "4", "--stage", "dev"]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    const input = dataPlane.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.topic).toBe(`cmd/${THING}/led`);
    expect(input?.qos).toBe(1);
    const payload = JSON.parse(new TextDecoder().decode(input?.payload as Uint8Array));
    expect(payload).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      params: { blinking: true, blinkHz: 4 },
    });
    expect(stdout.join("")).toContain(
      `published to cmd/${THING}/led (request ${payload.requestId})`,
    );
    expect(stdout.join("")).toMatch(/telemetry/);
  });

  it("--json prints the published request", async () => {
    expect(await main(["led", "--device", THING, "--off", "--json", "--stage", "dev"])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual({
      thingName: THING,
      kind: "published",
      requestId: expect.any(String),
      topic: `cmd/${THING}/led`,
    });
  });

  it("bad params are refused before any AWS call", async () => {
    expect(await main(["led", "--device", THING, "--hz", "100", "--stage", "dev"])).toBe(2);
    expect(iot.calls()).toHaveLength(0);
    expect(dataPlane.calls()).toHaveLength(0);
  });
});
