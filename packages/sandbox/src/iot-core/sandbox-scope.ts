import { type PolicyScope, stageResourceNames } from "@fleet/core/contracts";

/**
 * The partition, region and account every ARN in the sandbox uses. `local-1` is no AWS region
 * and `000000000000` no AWS account, so a sandbox ARN can never be mistaken for a real one.
 */
export const SANDBOX_SCOPE: PolicyScope = {
  partition: "aws",
  region: "local-1",
  accountId: "000000000000",
};

/**
 * The sandbox names its resources as a deployed stage called "sandbox" would: thing group,
 * device and claim policies, provisioning template.
 */
export const SANDBOX_RESOURCE_NAMES = stageResourceNames("sandbox");

/**
 * The thing group OTA releases go to first (`fleet ota release --canary fleet-sandbox-canary`),
 * created at start; the fleet group is the provisioning group (`fleet-sandbox-devices`), as on a
 * stage.
 */
export const CANARY_THING_GROUP = SANDBOX_RESOURCE_NAMES.canaryThingGroupName;

/** Name under which the sandbox registers `devicePolicyDocument(SANDBOX_SCOPE)`. */
export const DEVICE_POLICY_NAME = SANDBOX_RESOURCE_NAMES.devicePolicyName;

/** ARN of a registry resource, spelled as AWS IoT spells it. */
export function registryArn(
  kind: "thing" | "cert" | "policy" | "thinggroup" | "provisioningtemplate",
  id: string,
): string {
  const { partition, region, accountId } = SANDBOX_SCOPE;
  return `arn:${partition}:iot:${region}:${accountId}:${kind}/${id}`;
}
