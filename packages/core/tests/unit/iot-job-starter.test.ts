import {
  CancelJobExecutionCommand,
  CreateJobCommand,
  DescribeThingCommand,
  InvalidStateTransitionException,
  IoTClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IotJobStarter, rotationJobId } from "../../src/adapters/aws/index.ts";
import { RotateCertificateJobDocumentSchema } from "../../src/contracts/rotation.ts";
import { AwsAccessDeniedError } from "../../src/errors.ts";

const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);
const ROTATION_ID = "00000000-0000-4000-8000-000000000001";
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0, 999);
const THING_ARN = "arn:aws:iot:eu-west-1:123456789012:thing/rpi-0001";

function inputs<T>(command: new (input: T) => unknown): T[] {
  return mock
    .commandCalls(command as Parameters<typeof mock.commandCalls>[0])
    .map((call) => call.args[0].input as T);
}

describe("IotJobStarter", () => {
  beforeEach(() => {
    mock.reset();
    mock.on(DescribeThingCommand).resolves({ thingName: "rpi-0001", thingArn: THING_ARN });
    mock.on(CreateJobCommand).resolves({});
    mock.on(CancelJobExecutionCommand).resolves({});
  });

  it("creates a snapshot job for the thing whose document names the rotation", async () => {
    const jobs = new IotJobStarter({ iot, now: () => NOW });

    const { jobId } = await jobs.startRotationJob("rpi-0001", ROTATION_ID);

    expect(jobId).toBe("rotate-rpi-0001-1893499200");
    const [input] = inputs(CreateJobCommand);
    expect(input).toEqual({
      jobId,
      targets: [THING_ARN],
      targetSelection: "SNAPSHOT",
      document: expect.any(String),
      description: `Certificate rotation ${ROTATION_ID}`,
      timeoutConfig: { inProgressTimeoutInMinutes: 60 },
    });
    expect(RotateCertificateJobDocumentSchema.parse(JSON.parse(input?.document ?? ""))).toEqual({
      operation: "rotate-certificate",
      rotationId: ROTATION_ID,
    });
  });

  it("targets the ARN it is given without describing the thing", async () => {
    const jobs = new IotJobStarter({
      iot,
      now: () => NOW,
      thingArnOf: (thing) => `arn:aws:iot:eu-west-1:123456789012:thing/${thing}`,
      inProgressTimeoutMinutes: 15,
    });

    await jobs.startRotationJob("rpi-0002", ROTATION_ID);

    expect(inputs(DescribeThingCommand)).toEqual([]);
    expect(inputs(CreateJobCommand)[0]).toMatchObject({
      targets: ["arn:aws:iot:eu-west-1:123456789012:thing/rpi-0002"],
      timeoutConfig: { inProgressTimeoutInMinutes: 15 },
    });
  });

  it("names the refused operation when IAM denies creating the job", async () => {
    mock
      .on(CreateJobCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));

    const error = await new IotJobStarter({ iot })
      .startRotationJob("rpi-0001", ROTATION_ID)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows iot:CreateJob$/);
  });

  it("force-cancels the thing's execution, with the reason in its status details", async () => {
    await new IotJobStarter({ iot }).cancelJob("rotate-rpi-0001-1", "rpi-0001", "deadline passed");

    expect(inputs(CancelJobExecutionCommand)).toEqual([
      {
        jobId: "rotate-rpi-0001-1",
        thingName: "rpi-0001",
        force: true,
        statusDetails: { reason: "deadline passed" },
      },
    ]);
  });

  it("succeeds in cancelling an execution that is gone or already finished", async () => {
    const jobs = new IotJobStarter({ iot });
    mock
      .on(CancelJobExecutionCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "gone", $metadata: {} }))
      .rejectsOnce(new InvalidStateTransitionException({ message: "SUCCEEDED", $metadata: {} }));

    await jobs.cancelJob("rotate-rpi-0001-1", "rpi-0001", "late");
    await jobs.cancelJob("rotate-rpi-0001-1", "rpi-0001", "late");

    expect(inputs(CancelJobExecutionCommand)).toHaveLength(2);
  });
});

describe("rotationJobId", () => {
  it("keeps a thing name that fits as it is", () => {
    expect(rotationJobId("rpi-0001", 1_893_499_200)).toBe("rotate-rpi-0001-1893499200");
  });

  it("fits a long or colon-bearing thing name into a valid job id, distinct per thing", () => {
    const long = `${"a".repeat(60)}-1`;
    const other = `${"a".repeat(60)}-2`;
    const ids = [long, other, "site:rpi-0001"].map((thing) => rotationJobId(thing, 1_893_499_200));

    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(ids).size).toBe(3);
    expect(ids[2]).toMatch(/^rotate-site_rpi-0001-[0-9a-f]{8}-1893499200$/);
  });
});
