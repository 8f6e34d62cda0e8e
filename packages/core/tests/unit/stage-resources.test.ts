import { describe, expect, it } from "vitest";
import { InvalidStageNameError } from "../../src/contracts/contract-errors.ts";
import {
  FLEET_APP_NAME,
  SERIAL_ATTRIBUTE,
  stageAwsProfile,
  stageResourceNames,
} from "../../src/contracts/index.ts";

describe("stage resource names", () => {
  it("names every resource the stacks create for a stage", () => {
    expect(stageResourceNames("prod")).toEqual({
      thingGroupName: "fleet-prod-devices",
      devicePolicyName: "fleet-prod-device",
      claimPolicyName: "fleet-prod-claim",
      provisioningTemplateName: "fleet-prod-provision",
      allowListBucketParameter: "/fleet/prod/allow-list-bucket",
      claimCredentialsSecretName: "fleet/prod/claim-credentials",
      deviceLedgerTableName: "fleet-prod-device-ledger",
      telemetryStreamName: "fleet-prod-telemetry",
      telemetryRuleName: "fleet_prod_telemetry",
      telemetryStoreParameter: "/fleet/prod/telemetry-store",
      timestreamDatabaseName: "fleet-prod",
      telemetryDeadLetterQueueName: "fleet-prod-telemetry-dead-letters",
      rotationTableName: "fleet-prod-rotations",
      rotationJobTemplateBaseId: "fleet-prod-rotate-certificate",
      rotationJobTemplateParameter: "/fleet/prod/rotation-job-template",
      artifactBucketParameter: "/fleet/prod/artifact-bucket",
      otaPresignRoleName: "fleet-prod-ota-presign",
      canaryThingGroupName: "fleet-prod-canary",
      releaseTableName: "fleet-prod-releases",
      appUpdateJobTemplateBaseId: "fleet-prod-app-update",
      releaseAdvanceRuleName: "fleet_prod_release_advance",
      releaseConvergeRuleName: "fleet_prod_release_converge",
    });
    expect(stageResourceNames("pr-42").thingGroupName).toBe("fleet-pr-42-devices");
  });

  it("defaults each stage to its own AWS profile", () => {
    expect(stageAwsProfile("dev")).toBe("fleet-dev");
  });

  it("keeps the app name and serial attribute the stacks and device rely on", () => {
    expect(FLEET_APP_NAME).toBe("fleet");
    expect(SERIAL_ATTRIBUTE).toBe("serial");
  });

  it.each([
    ["an empty name", ""],
    ["upper case", "Prod"],
    ["a leading digit", "1dev"],
    ["a leading hyphen", "-dev"],
    ["an underscore", "my_stage"],
    ["a query character", "dev:*"],
    ["21 characters", `a${"b".repeat(20)}`],
  ])("rejects a stage name with %s, saying what is expected", (_, stage) => {
    for (const derive of [stageResourceNames, stageAwsProfile]) {
      let error: unknown;
      try {
        derive(stage);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidStageNameError);
      expect(error).toMatchObject({ stage });
      expect((error as Error).message).toMatch(/lowercase letters, digits and '-'/);
    }
  });

  it("accepts a 20-character stage name whose provisioning template name fits AWS's 36 characters", () => {
    const stage = `a${"b".repeat(19)}`;
    const names = stageResourceNames(stage);
    expect(names.devicePolicyName).toBe(`fleet-${stage}-device`);
    expect(names.provisioningTemplateName).toMatch(/^[0-9A-Za-z_-]{1,36}$/);
  });
});
