import {
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
  ResourceNotFoundException,
  UnauthorizedException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { IotOtaJobs } from "../../src/adapters/aws/index.ts";
import type { JobDocument } from "../../src/contracts/job-document.ts";
import { ReleaseTargetNotFoundError } from "../../src/ota/ota-errors.ts";

const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);
const ARN = "arn:aws:iot:eu-west-1:123456789012";
const ROLE_ARN = "arn:aws:iam::123456789012:role/fleet-dev-ota-presign";
const notFound = () => new ResourceNotFoundException({ message: "not found", $metadata: {} });

const DOCUMENT: JobDocument = {
  version: "1",
  steps: [
    {
      operation: "app-update",
      app: "led",
      version: "1.2.0",
      url: "${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/b/k}",
      sha256: "a".repeat(64),
      size: 10,
    },
  ],
};

function inputs<T>(command: new (input: T) => unknown): T[] {
  return mock
    .commandCalls(command as Parameters<typeof mock.commandCalls>[0])
    .map((call) => call.args[0].input as T);
}

describe("IotOtaJobs", () => {
  let jobs: IotOtaJobs;
  beforeEach(() => {
    mock.reset();
    mock.on(DescribeThingGroupCommand).rejects(notFound());
    mock
      .on(DescribeThingGroupCommand, { thingGroupName: "canary" })
      .resolves({ thingGroupArn: `${ARN}:thinggroup/canary` });
    mock.on(DescribeThingCommand).rejects(notFound());
    mock
      .on(DescribeThingCommand, { thingName: "rpi-0001" })
      .resolves({ thingArn: `${ARN}:thing/rpi-0001` });
    mock.on(CreateJobCommand).resolves({});
    jobs = new IotOtaJobs({ iot, presignRoleArn: ROLE_ARN });
  });

  it("resolves groups and things, naming every unknown target in one error", async () => {
    expect(await jobs.resolveTargets(["canary", "rpi-0001"])).toEqual([
      { kind: "group", name: "canary" },
      { kind: "thing", name: "rpi-0001" },
    ]);

    const error = await jobs.resolveTargets(["nope", "canary", "gone"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseTargetNotFoundError);
    expect((error as ReleaseTargetNotFoundError).names).toEqual(["nope", "gone"]);
    expect((error as Error).message).toBe("no thing group or thing named nope, gone in AWS IoT");
  });

  it("creates a snapshot job with presigning, rollout, abort criteria and timeout", async () => {
    await jobs.createJob({
      jobId: "led-1_2_0-1795000000-canary",
      targets: [
        { kind: "group", name: "canary" },
        { kind: "thing", name: "rpi-0001" },
      ],
      document: DOCUMENT,
      description: "Release led-1_2_0-1795000000: led 1.2.0",
      abortFailurePct: 12.345,
    });

    expect(inputs(CreateJobCommand)).toEqual([
      {
        jobId: "led-1_2_0-1795000000-canary",
        targets: [`${ARN}:thinggroup/canary`, `${ARN}:thing/rpi-0001`],
        targetSelection: "SNAPSHOT",
        document: JSON.stringify(DOCUMENT),
        description: "Release led-1_2_0-1795000000: led 1.2.0",
        presignedUrlConfig: { roleArn: ROLE_ARN, expiresInSec: 3600 },
        jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
        abortConfig: {
          criteriaList: [
            {
              failureType: "ALL",
              action: "CANCEL",
              thresholdPercentage: 12.35,
              minNumberOfExecutedThings: 1,
            },
          ],
        },
        timeoutConfig: { inProgressTimeoutInMinutes: 60 },
      },
    ]);
  });

  it("ends a job with an end time by canceling what has not started (SchedulingConfig CANCEL)", async () => {
    await jobs.createJob({
      jobId: "led-1_2_0-1795000000-canary",
      targets: [{ kind: "group", name: "canary" }],
      document: DOCUMENT,
      description: "Release led-1_2_0-1795000000: led 1.2.0",
      abortFailurePct: 10,
      endTime: "2026-11-23T00:00:30.500Z",
    });

    expect(inputs(CreateJobCommand)[0]?.schedulingConfig).toEqual({
      // UTC, to the minute as the API takes it, rounded up: never earlier than asked.
      endTime: "2026-11-23T00:01",
      endBehavior: "CANCEL",
    });
  });

  it("reuses target ARNs already resolved instead of describing them again", async () => {
    await jobs.resolveTargets(["canary"]);
    mock.resetHistory();

    await jobs.createJob({
      jobId: "j",
      targets: [{ kind: "group", name: "canary" }],
      document: DOCUMENT,
      description: "d",
      abortFailurePct: 10,
    });

    expect(inputs(DescribeThingGroupCommand)).toEqual([]);
  });

  it("maps DescribeJob to a summary with execution counts, and an unknown job to null", async () => {
    mock.on(DescribeJobCommand).rejects(notFound());
    mock.on(DescribeJobCommand, { jobId: "j1" }).resolves({
      job: {
        jobId: "j1",
        status: "CANCELED",
        description: "Release x",
        reasonCode: "FAILED",
        comment: "abort",
        createdAt: new Date("2026-11-22T00:00:00Z"),
        completedAt: new Date("2026-11-22T00:05:00Z"),
        jobProcessDetails: {
          numberOfSucceededThings: 1,
          numberOfFailedThings: 2,
          numberOfRejectedThings: 3,
          numberOfTimedOutThings: 4,
          numberOfCanceledThings: 5,
          numberOfQueuedThings: 6,
          numberOfInProgressThings: 7,
          numberOfRemovedThings: 8,
        },
      },
    });

    expect(await jobs.describeJob("j1")).toEqual({
      jobId: "j1",
      status: "CANCELED",
      description: "Release x",
      reasonCode: "FAILED",
      comment: "abort",
      counts: {
        succeeded: 1,
        failed: 2,
        rejected: 3,
        timedOut: 4,
        canceled: 5,
        queued: 6,
        inProgress: 7,
        removed: 8,
      },
      createdAt: "2026-11-22T00:00:00.000Z",
      completedAt: "2026-11-22T00:05:00.000Z",
    });
    expect(await jobs.describeJob("missing")).toBeNull();
  });

  it("returns the job document as created, or null for an unknown job", async () => {
    mock.on(GetJobDocumentCommand).rejects(notFound());
    mock
      .on(GetJobDocumentCommand, { jobId: "j1" })
      .resolves({ document: JSON.stringify(DOCUMENT) });

    expect(await jobs.jobDocument("j1")).toEqual(DOCUMENT);
    expect(await jobs.jobDocument("missing")).toBeNull();
  });

  it("lists every page of jobs, described, most recent first", async () => {
    mock
      .on(ListJobsCommand)
      .resolvesOnce({ jobs: [{ jobId: "old" }], nextToken: "t1" })
      .resolvesOnce({ jobs: [{ jobId: "new" }] });
    for (const [jobId, createdAt] of [
      ["old", "2026-11-01T00:00:00Z"],
      ["new", "2026-11-20T00:00:00Z"],
    ] as const) {
      mock
        .on(DescribeJobCommand, { jobId })
        .resolves({ job: { jobId, status: "COMPLETED", createdAt: new Date(createdAt) } });
    }

    const listed = [];
    for await (const job of jobs.listJobs()) listed.push(job.jobId);

    expect(listed).toEqual(["new", "old"]);
    expect(mock.commandCalls(ListJobsCommand).map((call) => call.args[0].input)).toEqual([
      { maxResults: 250, nextToken: undefined },
      { maxResults: 250, nextToken: "t1" },
    ]);
  });

  it("lists every page of executions with their status details", async () => {
    const at = new Date("2026-11-22T00:01:00Z");
    mock
      .on(ListJobExecutionsForJobCommand)
      .resolvesOnce({
        executionSummaries: [
          { thingArn: `${ARN}:thing/rpi-0001`, jobExecutionSummary: { status: "QUEUED" } },
        ],
        nextToken: "t1",
      })
      .resolvesOnce({
        executionSummaries: [
          { thingArn: `${ARN}:thing/rpi-0002`, jobExecutionSummary: { status: "FAILED" } },
        ],
      });
    mock.on(DescribeJobExecutionCommand).callsFake(async (input: { thingName: string }) => ({
      execution: {
        thingArn: `${ARN}:thing/${input.thingName}`,
        status: input.thingName === "rpi-0001" ? "SUCCEEDED" : "FAILED",
        statusDetails: { detailsMap: { step: "1/1", phase: "health-check" } },
        lastUpdatedAt: at,
      },
    }));

    const views = [];
    for await (const view of jobs.listExecutions("j1")) views.push(view);

    expect(views).toEqual([
      {
        thingName: "rpi-0001",
        status: "SUCCEEDED",
        statusDetails: { step: "1/1", phase: "health-check" },
        lastUpdatedAt: at.toISOString(),
      },
      {
        thingName: "rpi-0002",
        status: "FAILED",
        statusDetails: { step: "1/1", phase: "health-check" },
        lastUpdatedAt: at.toISOString(),
      },
    ]);
    expect(inputs(ListJobExecutionsForJobCommand).map((input) => input.nextToken)).toEqual([
      undefined,
      "t1",
    ]);
    expect(inputs(DescribeJobExecutionCommand)).toEqual([
      { jobId: "j1", thingName: "rpi-0001" },
      { jobId: "j1", thingName: "rpi-0002" },
    ]);
  });

  it("turns a refused CreateJob into an access error naming iot:CreateJob", async () => {
    mock.on(CreateJobCommand).rejects(new UnauthorizedException({ message: "no", $metadata: {} }));

    const error = await jobs
      .createJob({
        jobId: "j",
        targets: [{ kind: "thing", name: "rpi-0001" }],
        document: DOCUMENT,
        description: "d",
        abortFailurePct: 10,
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as AwsAccessDeniedError).operation).toBe("CreateJob");
  });
});
