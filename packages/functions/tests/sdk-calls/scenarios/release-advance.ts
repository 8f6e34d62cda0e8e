import {
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

/** A release in its canary phase, targeting the fleet group and one more device. */
function answerRelease({ sdk, aws }: ScenarioContext, jobStatus: Record<string, unknown>): void {
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
  };
  sdk.on(GetCommand).resolves({ Item: release });
  sdk.on(UpdateCommand).callsFake((input) => ({
    Attributes: {
      ...release,
      ...(jobStatus.status === "COMPLETED"
        ? {
            phase: "fleet",
            fleetJobId: (input.ExpressionAttributeValues as Record<string, unknown>)[":v1"],
          }
        : { phase: "aborted" }),
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
];
