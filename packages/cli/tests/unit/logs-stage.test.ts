import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

const THING = "10000000a1b2c3d4";
/** A minute ago: inside the default `--since 10m`. */
const LINE_AT = Date.now() - 60_000;

describe("fleet logs --stage", () => {
  const iot = mockClient(IoTClient);
  const dataPlane = mockClient(IoTDataPlaneClient);
  const logs = mockClient(CloudWatchLogsClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    iot.reset();
    dataPlane.reset();
    logs.reset();
    iot.on(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" }).resolves({
      endpointAddress: "abc123-ats.iot.eu-west-1.amazonaws.com",
    });
    dataPlane.on(PublishCommand).resolves({});
  });

  it("asks the device to ship for --for, then prints its lines from the stage's device log group", async () => {
    const record = {
      thingName: THING,
      dropped: 0,
      lines: [{ timestamp: LINE_AT, message: '{"msg":"connection.connected"}' }],
    };
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ eventId: "e1", ingestionTime: LINE_AT + 500, message: JSON.stringify(record) }],
      $metadata: {},
    });

    const code = await main(["logs", "--device", THING, "--for", "15m", "--stage", "dev"]);

    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    const publish = dataPlane.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.topic).toBe(`cmd/${THING}/logs`);
    expect(JSON.parse(new TextDecoder().decode(publish?.payload as Uint8Array))).toMatchObject({
      params: { forSeconds: 900 },
    });
    const filter = logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(filter).toMatchObject({
      logGroupName: "/fleet/dev/device-logs",
      filterPattern: `{ $.thingName = "${THING}" }`,
    });
    expect(Date.now() - (filter?.startTime ?? 0)).toBeGreaterThanOrEqual(10 * 60_000);
    expect(stdout.join("")).toBe(
      `${new Date(LINE_AT).toISOString()} {"msg":"connection.connected"}\n`,
    );
  });

  it("names the deploy command when the stage has no device log group", async () => {
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error("The specified log group does not exist."), {
        name: "ResourceNotFoundException",
      }),
    );
    expect(await main(["logs", "--device", THING, "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toMatch(
      /stage dev has no device log group \/fleet\/dev\/device-logs: deploy it with `npx sst deploy --stage dev`/,
    );
  });

  it("refuses a window past the device's limit before any AWS call", async () => {
    expect(await main(["logs", "--device", THING, "--for", "2h", "--stage", "dev"])).toBe(2);
    expect(stderr.join("")).toMatch(/--for 2h: a device ships for at most 60m per request/);
    expect(dataPlane.calls()).toHaveLength(0);
    expect(logs.calls()).toHaveLength(0);
  });
});
