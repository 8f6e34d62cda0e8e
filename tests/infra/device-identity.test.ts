import {
  devicePolicyDocument,
  type IotPolicyDocument,
  stageResourceNames,
  THING_NAME_VARIABLE,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT_ID,
  MOCK_IOT_DATA_ENDPOINT,
  MOCK_PARTITION,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  runStack,
  type StackRun,
  stopStackHarness,
} from "./harness/index.ts";

async function deployDeviceIdentity() {
  const { deviceIdentity } = await import("../../stacks/device-identity.ts");
  const identity = deviceIdentity();
  return {
    dataEndpoint: identity.dataEndpoint,
    thingGroupName: identity.thingGroup.name,
    devicePolicyName: identity.devicePolicy.name,
  };
}

describe("device identity stack", () => {
  let stack: StackRun<Awaited<ReturnType<typeof deployDeviceIdentity>>>;

  beforeAll(async () => {
    stack = await runStack(deployDeviceIdentity, { stage: "dev" });
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("deploys exactly the core device policy document for the stage's partition, region and account", () => {
    const policy = stack.one("aws:iot/policy:Policy");

    expect(policy.inputs.policy).toBe(
      JSON.stringify(
        devicePolicyDocument({
          partition: MOCK_PARTITION,
          region: MOCK_REGION,
          accountId: MOCK_ACCOUNT_ID,
        }),
      ),
    );
  });

  it("scopes every device permission to the thing attached to the connecting certificate", () => {
    const document = JSON.parse(
      stack.one("aws:iot/policy:Policy").inputs.policy,
    ) as IotPolicyDocument;

    for (const statement of document.Statement) {
      const resources = [statement.Resource].flat();
      expect(statement.Effect).toBe("Allow");
      expect([statement.Action].flat()).not.toContain("iot:*");
      for (const resource of resources) {
        expect(resource).toMatch(new RegExp(`^arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:`));
        expect(resource).toContain(THING_NAME_VARIABLE);
      }
    }
    const connect = document.Statement.find((statement) => statement.Action === "iot:Connect");
    expect(connect?.Condition).toEqual({ Bool: { "iot:Connection.Thing.IsAttached": "true" } });
  });

  it("names the thing group and the device policy as the CLI looks them up", () => {
    const { thingGroupName, devicePolicyName } = stageResourceNames("dev");
    const expected = { thingGroupName, devicePolicyName };

    expect(expected).toEqual({
      thingGroupName: "fleet-dev-devices",
      devicePolicyName: "fleet-dev-device",
    });
    expect(stack.outputs).toMatchObject(expected);
    expect(stack.one("aws:iot/thingGroup:ThingGroup").inputs.name).toBe(expected.thingGroupName);
  });

  it("indexes thing connectivity and the classic shadow, for connectivity.connected and apps", () => {
    const indexing = stack.one("aws:iot/indexingConfiguration:IndexingConfiguration");

    expect(indexing.inputs.thingIndexingConfiguration).toEqual({
      thingIndexingMode: "REGISTRY_AND_SHADOW",
      thingConnectivityIndexingMode: "STATUS",
    });
  });

  it("hands out the account's ATS data endpoint for devices to connect to", () => {
    expect(stack.outputs.dataEndpoint).toBe(MOCK_IOT_DATA_ENDPOINT);
  });
});
