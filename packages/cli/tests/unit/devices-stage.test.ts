import { Readable } from "node:stream";
import {
  DescribeCertificateCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  SearchIndexCommand,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { answerFleetIndex } from "../support/stage-mocks.ts";

const CERT = "e".repeat(64);

describe("fleet devices --stage", () => {
  const iot = mockClient(IoTClient);
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    iot.reset();
    ssm.reset();
    s3.reset();
    dynamo.reset();
    ssm.on(GetParameterCommand, { Name: "/fleet/dev/allow-list-bucket" }).resolves({
      Parameter: { Value: "fleet-dev-allowlist-abc123" },
    });
    // Listed: the provisioned board, one not provisioned yet, one the hook refused.
    s3.on(GetObjectCommand, { Bucket: "fleet-dev-allowlist-abc123", Key: "allow-list" }).callsFake(
      async () => ({
        VersionId: "v7",
        ContentLength: 52,
        Metadata: { "allow-empty": "false" },
        Body: Readable.from([
          Buffer.from("serial\n10000000a1b2c3d4\n10000000a1b2c3d5\n"),
        ]) as unknown as GetObjectCommandOutput["Body"],
      }),
    );
    dynamo.on(ScanCommand).resolves({
      Items: [
        {
          serial: "10000000deadbeef",
          outcome: "denied",
          reason: 'serial "10000000deadbeef" is not on the allow-list (version v7)',
          at: "2026-11-20T10:00:00.000Z",
        },
      ],
    });
    answerFleetIndex(iot, [
      {
        thingName: "rpi-1",
        attributes: { serial: "10000000a1b2c3d4" },
        connectivity: { connected: true },
      },
    ]);
    iot.on(ListThingPrincipalsCommand).resolves({
      principals: [`arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`],
    });
    iot.on(DescribeCertificateCommand).resolves({
      certificateDescription: {
        certificateId: CERT,
        status: "ACTIVE",
        creationDate: new Date("2026-11-01T00:00:00Z"),
        validity: {
          notBefore: new Date("2026-11-01T00:00:00Z"),
          notAfter: new Date("2027-11-01T00:00:00Z"),
        },
      },
    });
  });

  it("merges the stage's things, pending allow-listed serials and refusals into one JSON list", async () => {
    expect(await main(["devices", "--stage", "dev", "--json"])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual([
      {
        serial: "10000000a1b2c3d4",
        thingName: "rpi-1",
        state: "provisioned",
        connected: true,
        certificateId: CERT,
        notAfter: "2027-11-01T00:00:00.000Z",
        reason: null,
        apps: {},
      },
      {
        serial: "10000000a1b2c3d5",
        thingName: null,
        state: "pending",
        connected: false,
        certificateId: null,
        notAfter: null,
        reason: null,
        apps: {},
      },
      {
        serial: "10000000deadbeef",
        thingName: null,
        state: "denied",
        connected: false,
        certificateId: null,
        notAfter: null,
        reason: 'serial "10000000deadbeef" is not on the allow-list (version v7)',
        apps: {},
      },
    ]);
    expect(iot.commandCalls(SearchIndexCommand)[0]?.args[0].input).toMatchObject({
      queryString: "thingGroupNames:fleet-dev-devices",
    });
  });

  it("prints a human table by default", async () => {
    expect(await main(["devices", "--stage", "dev"])).toBe(0);
    const table = stdout.join("");
    expect(table).toMatch(/serial.*thing.*state.*connected/);
    expect(table).toMatch(/10000000a1b2c3d4.*rpi-1.*provisioned.*yes/);
  });

  it("reset revokes the thing's ACTIVE certificate in AWS IoT: INACTIVE, then REVOKED", async () => {
    const arn = `arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`;
    iot.on(ListThingPrincipalsCommand, { thingName: "10000000a1b2c3d4" }).resolves({
      principals: [arn],
    });
    iot.on(DescribeCertificateCommand, { certificateId: CERT }).resolves({
      certificateDescription: {
        certificateId: CERT,
        certificateArn: arn,
        status: "ACTIVE",
        certificatePem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
      },
    });
    iot.on(UpdateCertificateCommand).resolves({});

    expect(await main(["devices", "reset", "10000000a1b2c3d4", "--stage", "dev", "--json"])).toBe(
      0,
    );

    expect(iot.commandCalls(UpdateCertificateCommand).map((c) => c.args[0].input)).toEqual([
      { certificateId: CERT, newStatus: "INACTIVE" },
      { certificateId: CERT, newStatus: "REVOKED" },
    ]);
    expect(JSON.parse(stdout.join(""))).toEqual({
      serial: "10000000a1b2c3d4",
      thingName: "10000000a1b2c3d4",
      revoked: [CERT],
    });
  });

  it("an invalid stage name is a usage error naming the stage", async () => {
    expect(await main(["devices", "--stage", "Dev_1"])).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: .*Dev_1/);
    expect(iot.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });
});
