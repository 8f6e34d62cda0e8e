import { IoTClient, ListThingPrincipalsCommand } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { QueryCommand, TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { answerAllowListObject, answerFleetIndex } from "../support/stage-mocks.ts";

describe("fleet telemetry query --stage on a misspelt device", () => {
  const ssm = mockClient(SSMClient);
  const timestream = mockClient(TimestreamQueryClient);
  const iot = mockClient(IoTClient);
  const s3 = mockClient(S3Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    for (const mock of [ssm, timestream, iot, s3, dynamo]) mock.reset();
    ssm.on(GetParameterCommand, { Name: "/fleet/dev/telemetry-store" }).resolves({
      Parameter: {
        Value: JSON.stringify({ kind: "timestream", database: "fleet-dev", table: "telemetry" }),
      },
    });
    ssm.on(GetParameterCommand, { Name: "/fleet/dev/allow-list-bucket" }).resolves({
      Parameter: { Value: "fleet-dev-allowlist-abc123" },
    });
    answerAllowListObject(s3, "serial\n10000000a1b2c3d4\n");
    dynamo.on(ScanCommand).resolves({ Items: [] });
    answerFleetIndex(iot, [
      {
        thingName: "10000000a1b2c3d4",
        attributes: { serial: "10000000a1b2c3d4" },
        connectivity: { connected: true },
      },
    ]);
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
    timestream.on(QueryCommand).resolves({ ColumnInfo: [], Rows: [] });
  });

  it("fails naming the closest device of the stage's fleet, exit 2, as the sandbox does", async () => {
    const args = ["telemetry", "query", "--device", "10000000a1b2c3d9", "--stage", "dev"];
    expect(await main(args)).toBe(2);
    expect(stdout.join("")).toBe("");
    expect(stderr.join("")).toBe(
      "fleet: no device 10000000a1b2c3d9 in the fleet (did you mean 10000000a1b2c3d4?)\n",
    );
  });

  it("a known device that sent nothing in the window is an empty table, exit 0", async () => {
    const args = ["telemetry", "query", "--device", "10000000a1b2c3d4", "--stage", "dev", "--json"];
    expect(await main(args)).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual([]);
  });
});
