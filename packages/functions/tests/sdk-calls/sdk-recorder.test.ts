import { ACMPCAClient, GetCertificateCommand } from "@aws-sdk/client-acm-pca";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { recordSdkCalls, type SdkRecorder } from "./sdk-recorder.ts";

describe("recordSdkCalls", () => {
  let sdk: SdkRecorder;
  afterEach(() => sdk.restore());

  it("records every command any client sends, with the client's service, in order", async () => {
    sdk = recordSdkCalls();
    const region = "eu-west-1";

    await new IoTClient({ region }).send(new DescribeThingCommand({ thingName: "sim-0001" }));
    await new ACMPCAClient({ region }).send(
      new GetCertificateCommand({ CertificateAuthorityArn: "ca", CertificateArn: "cert" }),
    );
    await DynamoDBDocumentClient.from(new DynamoDBClient({ region })).send(
      new GetCommand({ TableName: "rotations", Key: { pk: "x" } }),
    );

    expect(sdk.calls()).toEqual([
      { service: "IoT", command: "DescribeThingCommand", input: { thingName: "sim-0001" } },
      {
        service: "ACM PCA",
        command: "GetCertificateCommand",
        input: { CertificateAuthorityArn: "ca", CertificateArn: "cert" },
      },
      {
        service: "DynamoDB",
        command: "GetCommand",
        input: { TableName: "rotations", Key: { pk: "x" } },
      },
    ]);
  });

  it("answers a command as told, for any client of its service", async () => {
    sdk = recordSdkCalls();
    sdk.on(DescribeThingCommand, { thingName: "sim-0001" }).resolves({ thingName: "sim-0001" });

    const iot = new IoTClient({ region: "eu-west-1" });

    await expect(iot.send(new DescribeThingCommand({ thingName: "sim-0001" }))).resolves.toEqual({
      thingName: "sim-0001",
    });
    expect(await iot.send(new DescribeThingCommand({ thingName: "other" }))).toBeUndefined();
  });
});
