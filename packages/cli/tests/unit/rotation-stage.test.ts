import {
  CreateJobCommand,
  DescribeCertificateCommand,
  DescribeJobTemplateCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingPrincipalsCommand,
} from "@aws-sdk/client-iot";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

const THING = "10000000a1b2c3d4";
const CERT = "e".repeat(64);
const THING_ARN = `arn:aws:iot:eu-west-1:123456789012:thing/${THING}`;
/** The template's id as the stage publishes it: base id and content hash. */
const TEMPLATE_ID = "fleet-dev-rotate-certificate-0a1b2c3d";
const TEMPLATE_ARN = `arn:aws:iot:eu-west-1:123456789012:jobtemplate/${TEMPLATE_ID}`;

describe("fleet rotation --stage", () => {
  const iot = mockClient(IoTClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const ssm = mockClient(SSMClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });
  /** The table as the store writes it, keyed by pk. */
  const items = new Map<string, Record<string, unknown>>();

  beforeEach(() => {
    iot.reset();
    dynamo.reset();
    ssm.reset();
    items.clear();
    ssm
      .on(GetParameterCommand, { Name: "/fleet/dev/rotation-job-template" })
      .resolves({ Parameter: { Value: TEMPLATE_ID } });
    iot.on(ListThingPrincipalsCommand, { thingName: THING }).resolves({
      principals: [`arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`],
    });
    iot.on(DescribeCertificateCommand, { certificateId: CERT }).resolves({
      certificateDescription: {
        certificateId: CERT,
        status: "ACTIVE",
        // AWS always describes the PEM; the registry skips a description without one.
        certificatePem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        creationDate: new Date("2026-01-01T00:00:00Z"),
      },
    });
    iot.on(DescribeThingCommand, { thingName: THING }).resolves({ thingArn: THING_ARN });
    iot
      .on(DescribeJobTemplateCommand, { jobTemplateId: TEMPLATE_ID })
      .resolves({ jobTemplateArn: TEMPLATE_ARN });
    iot.on(CreateJobCommand).callsFake(async (input: { jobId: string }) => ({
      jobId: input.jobId,
    }));
    dynamo.on(GetCommand).callsFake(async (input: { Key: { pk: string } }) => ({
      Item: items.get(input.Key.pk),
    }));
    dynamo.on(TransactWriteCommand).callsFake(async (input) => {
      for (const item of input.TransactItems ?? []) {
        if (item.Put) items.set(item.Put.Item.pk, item.Put.Item);
      }
      return {};
    });
    dynamo.on(PutCommand).callsFake(async (input) => {
      items.set(input.Item.pk, input.Item);
      return {};
    });
    dynamo.on(ScanCommand).callsFake(async () => ({
      Items: [...items.values()].filter((i) => String(i.pk).startsWith("rotation#")),
    }));
  });

  it("start --device records the rotation in the stage's table and sends the device a job from the template the stage publishes", async () => {
    const code = await main([
      "rotation",
      "start",
      "--stage",
      "dev",
      "--device",
      THING,
      "--deadline",
      "15m",
      "--json",
    ]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    const [record] = JSON.parse(stdout.join("")) as Record<string, string>[];
    expect(record).toMatchObject({ thingName: THING, oldCertificateId: CERT, step: "requested" });
    expect(Date.parse(record?.deadline ?? "") - Date.parse(record?.startedAt ?? "")).toBe(
      15 * 60_000,
    );
    const [job] = iot.commandCalls(CreateJobCommand);
    // The stage's rotation job template carries the document; the job id names the rotation.
    expect(job?.args[0].input).toMatchObject({
      jobId: record?.rotationId,
      jobTemplateArn: TEMPLATE_ARN,
      targets: [THING_ARN],
      targetSelection: "SNAPSHOT",
    });
    expect(record?.jobId).toBe(job?.args[0].input.jobId);
    const writes = dynamo.commandCalls(TransactWriteCommand);
    expect(writes[0]?.args[0].input.TransactItems?.[0]?.Put?.TableName).toBe("fleet-dev-rotations");
  });

  it("a second start for the same device shows the rotation already in progress", async () => {
    await main(["rotation", "start", "--stage", "dev", "--device", THING, "--json"]);
    const [first] = JSON.parse(stdout.join("")) as { rotationId: string }[];
    stdout.length = 0;
    expect(await main(["rotation", "start", "--stage", "dev", "--device", THING, "--json"])).toBe(
      0,
    );
    const [second] = JSON.parse(stdout.join("")) as { rotationId: string }[];
    expect(second?.rotationId).toBe(first?.rotationId);
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(1);
  });

  it("status lists the stage's rotations", async () => {
    await main(["rotation", "start", "--stage", "dev", "--device", THING]);
    stdout.length = 0;
    expect(await main(["rotation", "status", "--stage", "dev"])).toBe(0);
    const table = stdout.join("");
    expect(table).toMatch(/device.*rotation id.*step.*old cert.*new cert/);
    expect(table).toContain(THING);
    expect(table).toContain(CERT.slice(0, 12));
    expect(dynamo.commandCalls(ScanCommand)[0]?.args[0].input.TableName).toBe(
      "fleet-dev-rotations",
    );
  });
});
