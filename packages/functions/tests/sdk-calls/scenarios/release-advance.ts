import {
  CancelJobCommand,
  DescribeJobCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
} from "@aws-sdk/client-iot";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario, ScenarioContext } from "../handler-scenario.ts";
import { iotArn } from "../iot-answers.ts";

const RELEASE_ID = "led-1_2_0-1795000000";
const SHA256 = "a".repeat(64);
const FLEET_GROUP = "fleet-dev-devices";

/**
 * A release (in its canary phase unless `release` says otherwise), targeting the fleet group
 * and one more device; the table answers a move with `moved` over it.
 */
function answerRelease(
  { sdk, aws }: ScenarioContext,
  jobStatus: Record<string, unknown>,
  overrides: { release?: Record<string, unknown>; moved?: Record<string, unknown> } = {},
): void {
  const release = {
    releaseId: RELEASE_ID,
    app: "led",
    version: "1.2.0",
    sha256: SHA256,
    size: 100,
    artifactKey: `apps/led/1.2.0/${SHA256}.tar.gz`,
    targets: [
      { kind: "group", name: FLEET_GROUP },
      { kind: "thing", name: "sim-0042" },
    ],
    canaryGroup: "fleet-dev-canary",
    abortFailurePct: 10,
    phase: "canary",
    canaryJobId: `${RELEASE_ID}-canary`,
    fleetJobId: null,
    reason: null,
    createdAt: "2026-11-22T00:00:00.000Z",
    updatedAt: "2026-11-22T00:00:00.000Z",
    ...overrides.release,
  };
  sdk.on(GetCommand).resolves({ Item: release });
  sdk.on(UpdateCommand).callsFake((input) => ({
    Attributes: {
      ...release,
      ...(overrides.moved ??
        (jobStatus.status === "COMPLETED"
          ? {
              phase: "fleet",
              fleetJobId: (input.ExpressionAttributeValues as Record<string, unknown>)[":v1"],
            }
          : { phase: "aborted" })),
    },
  }));
  sdk.on(DescribeJobCommand).resolves({
    job: { jobId: `${RELEASE_ID}-canary`, createdAt: new Date(), ...jobStatus },
  });
  sdk.on(GetJobDocumentCommand).resolves({
    document: JSON.stringify({ version: "1", steps: [{ operation: "app-update" }] }),
  });
  // AWS IoT answers a name that is no group with ResourceNotFoundException.
  sdk.on(DescribeThingGroupCommand).callsFake((input) => {
    if (input.thingGroupName !== FLEET_GROUP) {
      throw Object.assign(new Error("no such group"), { name: "ResourceNotFoundException" });
    }
    return { thingGroupArn: iotArn(aws, `thinggroup/${input.thingGroupName}`) };
  });
  sdk
    .on(DescribeThingCommand)
    .callsFake((input) => ({ thingArn: iotArn(aws, `thing/${input.thingName}`) }));
}

const OLDER_RELEASE_ID = "led-1_1_0-1794000000";

export const scenarios: HandlerScenario[] = [
  {
    name: "starts the fleet job, presigned by the OTA role, when the canary job completed",
    async run(scenario) {
      answerRelease(scenario, {
        status: "COMPLETED",
        jobProcessDetails: { numberOfSucceededThings: 2 },
      });
      await (await scenario.load())(fixture("job-completed"), lambdaContext);
    },
  },
  {
    name: "aborts the release when the abort criterion canceled the canary job",
    async run(scenario) {
      answerRelease(scenario, {
        status: "CANCELED",
        reasonCode: "FAILED",
        jobProcessDetails: { numberOfFailedThings: 2 },
      });
      await (await scenario.load())(fixture("job-canceled"), lambdaContext);
    },
  },
  {
    name: "cancels the continuous fleet job of the release the new one supersedes",
    async run(scenario) {
      answerRelease(
        scenario,
        { status: "COMPLETED", jobProcessDetails: { numberOfSucceededThings: 1 } },
        { release: { supersedes: OLDER_RELEASE_ID } },
      );
      // The older release, delivered by its continuous fleet job.
      scenario.sdk.on(GetCommand, { Key: { releaseId: OLDER_RELEASE_ID } }).resolves({
        Item: {
          releaseId: OLDER_RELEASE_ID,
          app: "led",
          version: "1.1.0",
          sha256: SHA256,
          size: 100,
          artifactKey: `apps/led/1.1.0/${SHA256}.tar.gz`,
          targets: [{ kind: "group", name: FLEET_GROUP }],
          canaryGroup: null,
          abortFailurePct: 10,
          phase: "completed",
          canaryJobId: null,
          fleetJobId: `${OLDER_RELEASE_ID}-fleet`,
          reason: null,
          createdAt: "2026-11-21T00:00:00.000Z",
          updatedAt: "2026-11-21T00:00:00.000Z",
        },
      });
      scenario.sdk.on(CancelJobCommand).resolves({ jobId: `${OLDER_RELEASE_ID}-fleet` });
      await (await scenario.load())(fixture("job-completed"), lambdaContext);
    },
  },
  {
    name: "completes the release once its continuous fleet job has nothing pending",
    async run(scenario) {
      answerRelease(
        scenario,
        {
          jobId: `${RELEASE_ID}-fleet`,
          status: "IN_PROGRESS",
          targetSelection: "CONTINUOUS",
          jobProcessDetails: { numberOfSucceededThings: 3 },
        },
        {
          release: { phase: "fleet", fleetJobId: `${RELEASE_ID}-fleet` },
          moved: { phase: "completed" },
        },
      );
      await (await scenario.load())(fixture("job-execution-succeeded"), lambdaContext);
    },
  },
];
