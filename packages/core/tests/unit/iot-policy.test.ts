// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IoT policy variables are literal ${...} text, not template placeholders.
import { describe, expect, it } from "vitest";
import { CLAIM_CLIENT_ID_PREFIX } from "../../src/contracts/identity.ts";
import {
  claimPolicyDocument,
  devicePolicyDocument,
  type IotPolicyDocument,
  IotPolicyDocumentSchema,
  iotResourceArn,
  THING_NAME_VARIABLE,
} from "../../src/contracts/iot-policy.ts";
import {
  CREATE_CERTIFICATE_FROM_CSR_TOPIC,
  registerThingTopics,
} from "../../src/contracts/topics.ts";

const scope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
const arnPrefix = "arn:aws:iot:eu-west-1:123456789012:";

const resourcesOf = (document: IotPolicyDocument, action?: string) =>
  document.Statement.filter(
    (statement) => action === undefined || [statement.Action].flat().includes(action),
  ).flatMap((statement) => [statement.Resource].flat());

describe("iotResourceArn", () => {
  it("builds IoT ARNs in the scope's partition, region and account", () => {
    expect(iotResourceArn({ ...scope, partition: "aws-cn" }, "topicfilter", "a/+")).toBe(
      "arn:aws-cn:iot:eu-west-1:123456789012:topicfilter/a/+",
    );
  });
});

describe("devicePolicyDocument", () => {
  const document = devicePolicyDocument(scope);

  it("is a valid IoT policy document", () => {
    expect(IotPolicyDocumentSchema.parse(document)).toEqual(document);
  });

  it("scopes every resource to the thing attached to the certificate", () => {
    const resources = resourcesOf(document);
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource.startsWith(arnPrefix)).toBe(true);
      expect(resource).toContain(THING_NAME_VARIABLE);
    }
    expect(THING_NAME_VARIABLE).toBe("${iot:Connection.Thing.ThingName}");
  });

  it("lets a certificate connect only as its attached thing", () => {
    const connect = document.Statement.filter((statement) => statement.Action === "iot:Connect");
    expect(connect).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Resource: `${arnPrefix}client/${THING_NAME_VARIABLE}`,
        Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
      }),
    ]);
  });

  it("lets a device send its own rotation requests and read only its own rotation replies", () => {
    expect(resourcesOf(document, "iot:Publish")).toEqual(
      expect.arrayContaining([
        `${arnPrefix}topic/rot/${THING_NAME_VARIABLE}/csr`,
        `${arnPrefix}topic/rot/${THING_NAME_VARIABLE}/commit`,
      ]),
    );
    expect(resourcesOf(document, "iot:Publish")).not.toContain(
      `${arnPrefix}topic/rot/${THING_NAME_VARIABLE}/*`,
    );
    expect(resourcesOf(document, "iot:Subscribe")).toContain(
      `${arnPrefix}topicfilter/rot/${THING_NAME_VARIABLE}/*`,
    );
    expect(resourcesOf(document, "iot:Receive")).toContain(
      `${arnPrefix}topic/rot/${THING_NAME_VARIABLE}/*`,
    );
  });

  it("grants no action or resource wildcard", () => {
    for (const statement of document.Statement) {
      expect([statement.Action].flat()).not.toContain("iot:*");
      expect([statement.Resource].flat()).not.toContain("*");
    }
  });
});

describe("claimPolicyDocument", () => {
  const document = claimPolicyDocument({ ...scope, templateName: "fleet-template" });
  const provision = registerThingTopics("fleet-template").request;

  it("is a valid IoT policy document", () => {
    expect(IotPolicyDocumentSchema.parse(document)).toEqual(document);
  });

  it("connects only with claim- client ids", () => {
    expect(resourcesOf(document, "iot:Connect")).toEqual([
      `${arnPrefix}client/${CLAIM_CLIENT_ID_PREFIX}*`,
    ]);
  });

  it("publishes only the two provisioning requests of its template", () => {
    expect(resourcesOf(document, "iot:Publish").sort()).toEqual(
      [
        `${arnPrefix}topic/${CREATE_CERTIFICATE_FROM_CSR_TOPIC}`,
        `${arnPrefix}topic/${provision}`,
      ].sort(),
    );
  });

  it("subscribes to and receives only the replies of those requests", () => {
    expect(resourcesOf(document, "iot:Subscribe").sort()).toEqual(
      [
        `${arnPrefix}topicfilter/${CREATE_CERTIFICATE_FROM_CSR_TOPIC}/*`,
        `${arnPrefix}topicfilter/${provision}/*`,
      ].sort(),
    );
    expect(resourcesOf(document, "iot:Receive").sort()).toEqual(
      [
        `${arnPrefix}topic/${CREATE_CERTIFICATE_FROM_CSR_TOPIC}/*`,
        `${arnPrefix}topic/${provision}/*`,
      ].sort(),
    );
  });

  it("only allows, and only connect, publish, subscribe and receive", () => {
    const actions = document.Statement.flatMap((statement) => [statement.Action].flat());
    expect(new Set(actions)).toEqual(
      new Set(["iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive"]),
    );
    expect(document.Statement.every((statement) => statement.Effect === "Allow")).toBe(true);
  });
});
