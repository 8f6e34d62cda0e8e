import {
  CreateJobCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ContractViolationError } from "@fleet/core";
import type { ReleaseRecord } from "@fleet/core/contracts";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import { context, emfRecords, fixture } from "./lambda-test-kit.ts";

const ENV = {
  POWERTOOLS_SERVICE_NAME: "release-advance",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  RELEASE_TABLE: "fleet-dev-releases",
  OTA_PRESIGN_ROLE_ARN: "arn:aws:iam::123456789012:role/fleet-dev-ota-presign",
  AWS_REGION: "eu-west-1",
};
const RELEASE_ID = "led-1_2_0-1795000000";
const GROUP_ARN = "arn:aws:iot:eu-west-1:123456789012:thinggroup/fleet-dev-devices";
const DOCUMENT = { version: "1", steps: [{ operation: "app-update" }] };

const iot = mockClient(IoTClient);
const documents = mockClient(DynamoDBDocumentClient);

type Handler = (event: unknown, context: Context) => Promise<void>;

const release: ReleaseRecord = {
  releaseId: RELEASE_ID,
  app: "led",
  version: "1.2.0",
  sha256: "a".repeat(64),
  size: 100,
  artifactKey: `apps/led/1.2.0/${"a".repeat(64)}.tar.gz`,
  targets: [{ kind: "group", name: "fleet-dev-devices" }],
  canaryGroup: "fleet-dev-canary",
  abortFailurePct: 10,
  phase: "canary",
  canaryJobId: `${RELEASE_ID}-canary`,
  fleetJobId: null,
  reason: null,
  createdAt: "2026-11-22T00:00:00.000Z",
  updatedAt: "2026-11-22T00:00:00.000Z",
};

describe("release-advance handler", () => {
  let handler: Handler;
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeAll(async () => {
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    vi.stubEnv("POWERTOOLS_DEV", "");
    vi.resetModules();
    handler = (await import("../../src/handlers/release-advance.ts")).handler as unknown as Handler;
  });
  afterAll(() => vi.unstubAllEnvs());

  beforeEach(() => {
    iot.reset();
    documents.reset();
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    return () => {
      stdout.mockRestore();
      stderr.mockRestore();
    };
  });

  it("starts the fleet job when every canary device succeeded", async () => {
    documents.on(GetCommand).resolves({ Item: release });
    documents.on(UpdateCommand).callsFake(async (input) => ({
      Attributes: {
        ...release,
        phase: "fleet",
        fleetJobId: input.ExpressionAttributeValues[":v1"],
      },
    }));
    iot.on(DescribeJobCommand).resolves({
      job: {
        jobId: `${RELEASE_ID}-canary`,
        status: "COMPLETED",
        createdAt: new Date(),
        jobProcessDetails: { numberOfSucceededThings: 2 },
      },
    });
    iot.on(GetJobDocumentCommand).resolves({ document: JSON.stringify(DOCUMENT) });
    iot.on(DescribeThingGroupCommand).resolves({ thingGroupArn: GROUP_ARN });
    iot.on(CreateJobCommand).resolves({});

    await handler(fixture("job-completed"), context);

    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { releaseId: RELEASE_ID },
      ExpressionAttributeValues: { ":expectedPhase": "canary", ":v0": "fleet" },
    });
    expect(iot.commandCalls(CreateJobCommand)[0]?.args[0].input).toMatchObject({
      jobId: `${RELEASE_ID}-fleet`,
      targets: [GROUP_ARN],
      document: JSON.stringify(DOCUMENT),
      presignedUrlConfig: { roleArn: ENV.OTA_PRESIGN_ROLE_ARN, expiresInSec: 3600 },
    });
    const [emf] = emfRecords(stdout);
    expect(emf).toMatchObject({ ReleaseAdvanced: 1, phase: "fleet" });
  });

  it("aborts the release when the abort criterion canceled the canary job", async () => {
    documents.on(GetCommand).resolves({ Item: release });
    documents.on(UpdateCommand).resolves({ Attributes: { ...release, phase: "aborted" } });
    iot.on(DescribeJobCommand).resolves({
      job: {
        jobId: `${RELEASE_ID}-canary`,
        status: "CANCELED",
        reasonCode: "FAILED",
        createdAt: new Date(),
        jobProcessDetails: { numberOfFailedThings: 2 },
      },
    });

    await handler(fixture("job-canceled"), context);

    expect(
      documents.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues,
    ).toEqual({
      ":expectedPhase": "canary",
      ":v0": "aborted",
      ":v1": "canary job canceled by abort criterion FAILED: 2 of 2 executions failed",
      ":v2": expect.any(String),
    });
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("completes the release on the execution event that leaves its continuous fleet job with nothing pending", async () => {
    const fleetJobId = `${RELEASE_ID}-fleet`;
    documents.on(GetCommand).resolves({ Item: { ...release, phase: "fleet", fleetJobId } });
    documents.on(UpdateCommand).callsFake(async () => ({
      Attributes: { ...release, phase: "completed", fleetJobId },
    }));
    iot.on(DescribeJobCommand).resolves({
      job: {
        jobId: fleetJobId,
        status: "IN_PROGRESS",
        targetSelection: "CONTINUOUS",
        createdAt: new Date(),
        jobProcessDetails: { numberOfSucceededThings: 3 },
      },
    });

    await handler(fixture("job-execution-succeeded"), context);

    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { releaseId: RELEASE_ID },
      ExpressionAttributeValues: { ":expectedPhase": "fleet", ":v0": "completed" },
    });
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("ignores a job that is not a release's without touching the releases table", async () => {
    await handler({ ...fixture("job-completed"), jobId: "rotate-rpi-0001-1795000000" }, context);

    expect(documents.calls()).toHaveLength(0);
    expect(iot.calls()).toHaveLength(0);
  });

  it("refuses an event that is not a completed or canceled job, naming the field", async () => {
    const error = await handler(
      { ...fixture("job-completed"), operation: "deleted" },
      context,
    ).catch((e: unknown) => e);

    // A fresh module instance has its own error classes: compared by name.
    expect(error).toMatchObject({ name: "ContractViolationError" });
    expect((error as ContractViolationError).issues.map((issue) => issue.path)).toEqual([
      "operation",
    ]);
  });
});
