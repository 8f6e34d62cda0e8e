import {
  CancelJobExecutionCommand,
  CreateJobCommand,
  DescribeJobTemplateCommand,
  DescribeThingCommand,
  InvalidStateTransitionException,
  IoTClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { IotJobStarter } from "../../src/adapters/aws/index.ts";

const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);
const ROTATION_ID = "00000000-0000-4000-8000-000000000001";
const OTHER_ROTATION_ID = "00000000-0000-4000-8000-000000000002";
const TEMPLATE_ID = "fleet-dev-rotate-certificate";
const TEMPLATE_ARN = `arn:aws:iot:eu-west-1:123456789012:jobtemplate/${TEMPLATE_ID}`;
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
    mock
      .on(DescribeJobTemplateCommand)
      .resolves({ jobTemplateId: TEMPLATE_ID, jobTemplateArn: TEMPLATE_ARN });
    mock.on(CreateJobCommand).resolves({});
    mock.on(CancelJobExecutionCommand).resolves({});
  });

  it("creates a snapshot job for the thing from the rotation template, the job id naming the rotation", async () => {
    const jobs = new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID });

    const { jobId } = await jobs.startRotationJob("rpi-0001", ROTATION_ID);

    expect(jobId).toBe(ROTATION_ID);
    expect(inputs(DescribeJobTemplateCommand)).toEqual([{ jobTemplateId: TEMPLATE_ID }]);
    expect(inputs(CreateJobCommand)).toEqual([
      {
        jobId: ROTATION_ID,
        jobTemplateArn: TEMPLATE_ARN,
        targets: [THING_ARN],
        targetSelection: "SNAPSHOT",
        description: "Certificate rotation of rpi-0001",
      },
    ]);
  });

  it("looks the template up once for many rotations, and not at all when its ARN is given", async () => {
    const described = new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID });
    await described.startRotationJob("rpi-0001", ROTATION_ID);
    await described.startRotationJob("rpi-0001", OTHER_ROTATION_ID);
    expect(inputs(DescribeJobTemplateCommand)).toHaveLength(1);

    mock.resetHistory();
    const given = new IotJobStarter({
      iot,
      jobTemplateId: TEMPLATE_ID,
      jobTemplateArn: TEMPLATE_ARN,
    });
    await given.startRotationJob("rpi-0001", ROTATION_ID);
    expect(inputs(DescribeJobTemplateCommand)).toEqual([]);
    expect(inputs(CreateJobCommand)[0]?.jobTemplateArn).toBe(TEMPLATE_ARN);
  });

  it("asks for the template again after a failed lookup", async () => {
    mock
      .on(DescribeJobTemplateCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "no template", $metadata: {} }))
      .resolves({ jobTemplateArn: TEMPLATE_ARN });
    const jobs = new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID });

    await expect(jobs.startRotationJob("rpi-0001", ROTATION_ID)).rejects.toThrow();
    await jobs.startRotationJob("rpi-0001", ROTATION_ID);

    expect(inputs(DescribeJobTemplateCommand)).toHaveLength(2);
    expect(inputs(CreateJobCommand)).toHaveLength(1);
  });

  it("targets the ARN it is given without describing the thing", async () => {
    const jobs = new IotJobStarter({
      iot,
      jobTemplateId: TEMPLATE_ID,
      jobTemplateArn: TEMPLATE_ARN,
      thingArnOf: (thing) => `arn:aws:iot:eu-west-1:123456789012:thing/${thing}`,
    });

    await jobs.startRotationJob("rpi-0002", ROTATION_ID);

    expect(inputs(DescribeThingCommand)).toEqual([]);
    expect(inputs(CreateJobCommand)[0]).toMatchObject({
      targets: ["arn:aws:iot:eu-west-1:123456789012:thing/rpi-0002"],
    });
  });

  it("names the refused operation when IAM denies creating the job", async () => {
    mock
      .on(CreateJobCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));

    const error = await new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID })
      .startRotationJob("rpi-0001", ROTATION_ID)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows iot:CreateJob$/);
  });

  it("force-cancels the thing's execution, with the reason in its status details", async () => {
    await new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID }).cancelJob(
      "rotate-rpi-0001-1",
      "rpi-0001",
      "deadline passed",
    );

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
    const jobs = new IotJobStarter({ iot, jobTemplateId: TEMPLATE_ID });
    mock
      .on(CancelJobExecutionCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "gone", $metadata: {} }))
      .rejectsOnce(new InvalidStateTransitionException({ message: "SUCCEEDED", $metadata: {} }));

    await jobs.cancelJob("rotate-rpi-0001-1", "rpi-0001", "late");
    await jobs.cancelJob("rotate-rpi-0001-1", "rpi-0001", "late");

    expect(inputs(CancelJobExecutionCommand)).toHaveLength(2);
  });
});
