import { describe, expect, it } from "vitest";
import { STAGE_SCOPE } from "./aws-scope.ts";
import { sdkAuthorizations } from "./sdk-authorizations.ts";

const iot = (resource: string) => `arn:aws:iot:eu-west-1:123456789012:${resource}`;
const CERT = iot(`cert/${"c".repeat(64)}`);

describe("sdkAuthorizations", () => {
  it("authorizes attaching a certificate to a thing on the certificate, scoped by iot:thingArn", async () => {
    const authorizations = await sdkAuthorizations(
      {
        service: "IoT",
        command: "AttachThingPrincipalCommand",
        input: { thingName: "sim-0001", principal: CERT },
      },
      STAGE_SCOPE,
    );

    expect(authorizations).toEqual([
      expect.objectContaining({
        action: "iot:AttachThingPrincipal",
        resource: CERT,
        context: { "iot:thingArn": iot("thing/sim-0001") },
      }),
    ]);
  });

  it("authorizes an action without resource types on '*'", async () => {
    const [authorization] = await sdkAuthorizations(
      { service: "IoT", command: "ListAttachedPoliciesCommand", input: { target: CERT } },
      STAGE_SCOPE,
    );

    expect(authorization).toMatchObject({ action: "iot:ListAttachedPolicies", resource: "*" });
  });

  it("authorizes a transaction item by item, on each item's table", async () => {
    const authorizations = await sdkAuthorizations(
      {
        service: "DynamoDB",
        command: "TransactWriteCommand",
        input: {
          TransactItems: [
            { Put: { TableName: "rotations", Item: {} } },
            { Delete: { TableName: "locks", Key: {} } },
          ],
        },
      },
      STAGE_SCOPE,
    );

    expect(authorizations.map((a) => [a.action, a.resource])).toEqual([
      ["dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/rotations"],
      ["dynamodb:DeleteItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/locks"],
    ]);
  });

  it("adds passing the presign role to AWS IoT for a job with presigned URLs", async () => {
    const role = "arn:aws:iam::123456789012:role/presign";
    const authorizations = await sdkAuthorizations(
      {
        service: "IoT",
        command: "CreateJobCommand",
        input: {
          jobId: "release-1",
          targets: [iot("thinggroup/devices"), iot("thing/sim-0001")],
          presignedUrlConfig: { roleArn: role },
        },
      },
      STAGE_SCOPE,
    );

    expect(authorizations.map((a) => [a.action, a.resource, a.context])).toEqual([
      ["iot:CreateJob", iot("job/release-1"), {}],
      ["iot:CreateJob", iot("thing/sim-0001"), {}],
      ["iot:CreateJob", iot("thinggroup/devices"), {}],
      ["iam:PassRole", role, { "iam:PassedToService": "iot.amazonaws.com" }],
    ]);
  });

  it("fails for a client whose IAM service prefix it does not know", async () => {
    await expect(
      sdkAuthorizations({ service: "EC2", command: "RunInstancesCommand", input: {} }, STAGE_SCOPE),
    ).rejects.toMatchObject({ name: "UnmappedCommandError" });
  });

  it("fails for a command whose input names none of the action's resource types", async () => {
    await expect(
      sdkAuthorizations(
        { service: "IoT", command: "DescribeThingCommand", input: {} },
        STAGE_SCOPE,
      ),
    ).rejects.toMatchObject({ name: "UnmappedCommandError" });
  });
});
