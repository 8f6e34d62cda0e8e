import * as z from "zod";
import { deviceLogsTopic } from "./device-logs.ts";
import {
  CREATE_CERTIFICATE_FROM_CSR_TOPIC,
  registerThingTopics,
  telemetryTopic,
} from "./topics.ts";

/**
 * AWS IoT Core policy documents. The stacks deploy exactly these documents and the sandbox
 * broker evaluates exactly these documents, so what is allowed locally is what AWS allows.
 *
 * In IoT policies `*` and `?` are wildcards and the MQTT characters `+` and `#` are literal,
 * so topic-filter resources below use `*` where a device may subscribe to a subtree.
 */

const StringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

export const IotPolicyActionSchema = z.enum([
  "iot:Connect",
  "iot:Publish",
  "iot:Subscribe",
  "iot:Receive",
  "iot:RetainPublish",
  "iot:*",
]);
export type IotPolicyAction = z.infer<typeof IotPolicyActionSchema>;

export const IotPolicyStatementSchema = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(["Allow", "Deny"]),
  Action: StringOrList,
  Resource: StringOrList,
  /** Condition operator -> condition key -> value(s), as in IAM. */
  Condition: z.record(z.string(), z.record(z.string(), StringOrList)).optional(),
});
export type IotPolicyStatement = z.infer<typeof IotPolicyStatementSchema>;

export const IotPolicyDocumentSchema = z.object({
  Version: z.literal("2012-10-17"),
  Statement: z.array(IotPolicyStatementSchema).min(1),
});
export type IotPolicyDocument = z.infer<typeof IotPolicyDocumentSchema>;

/** Where a policy is deployed: the ARN prefix of every resource in it. */
export interface PolicyScope {
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  partition: string;
  region: string;
  accountId: string;
}

/** The policy variable AWS IoT resolves to the thing attached to the connecting certificate. */
export const THING_NAME_VARIABLE = "${iot:Connection.Thing.ThingName}";

/** ARN of an AWS IoT Core resource as IoT policies name it. */
export function iotResourceArn(
  scope: PolicyScope,
  kind: "client" | "topic" | "topicfilter",
  name: string,
): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:${kind}/${name}`;
}

/**
 * The policy attached to every provisioned device certificate. One policy serves the whole
 * fleet: every resource is scoped to the thing attached to the certificate, so a device can
 * only connect as itself and only use its own topics.
 */
export function devicePolicyDocument(scope: PolicyScope): IotPolicyDocument {
  const thing = THING_NAME_VARIABLE;
  const topic = (name: string) => iotResourceArn(scope, "topic", name);
  const filter = (name: string) => iotResourceArn(scope, "topicfilter", name);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ConnectAsOwnThing",
        Effect: "Allow",
        Action: "iot:Connect",
        Resource: iotResourceArn(scope, "client", thing),
        Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
      },
      {
        Sid: "PublishOwnTopics",
        Effect: "Allow",
        Action: "iot:Publish",
        // Each data topic by name: a device ships logs only on its own log topic, and nothing
        // else under `dt/` reaches a rule.
        Resource: [
          topic(telemetryTopic(thing)),
          topic(deviceLogsTopic(thing)),
          topic(`cmd/${thing}/*/accepted`),
          topic(`cmd/${thing}/*/rejected`),
          topic(`$aws/things/${thing}/jobs/*`),
          topic(`$aws/things/${thing}/shadow/update`),
          topic(`$aws/things/${thing}/shadow/get`),
          topic(`rot/${thing}/csr`),
          topic(`rot/${thing}/commit`),
        ],
      },
      {
        Sid: "SubscribeOwnTopics",
        Effect: "Allow",
        Action: "iot:Subscribe",
        Resource: [
          filter(`cmd/${thing}/*`),
          filter(`$aws/things/${thing}/jobs/*`),
          filter(`$aws/things/${thing}/shadow/*`),
          filter(`rot/${thing}/*`),
        ],
      },
      {
        Sid: "ReceiveOwnTopics",
        Effect: "Allow",
        Action: "iot:Receive",
        Resource: [
          topic(`cmd/${thing}/*`),
          topic(`$aws/things/${thing}/jobs/*`),
          topic(`$aws/things/${thing}/shadow/*`),
          topic(`rot/${thing}/*`),
        ],
      },
    ],
  };
}

/**
 * The policy attached to the shared claim certificate baked into the OS image. It allows
 * nothing but the fleet provisioning MQTT API for one template, under a `claim-` client id,
 * so a leaked claim certificate can neither read fleet data nor impersonate a device.
 */
export function claimPolicyDocument(
  scope: PolicyScope & { templateName: string },
): IotPolicyDocument {
  const topic = (name: string) => iotResourceArn(scope, "topic", name);
  const filter = (name: string) => iotResourceArn(scope, "topicfilter", name);
  const provision = registerThingTopics(scope.templateName).request;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ConnectWithClaimClientId",
        Effect: "Allow",
        Action: "iot:Connect",
        Resource: iotResourceArn(scope, "client", "claim-*"),
      },
      {
        Sid: "ProvisioningRequests",
        Effect: "Allow",
        Action: "iot:Publish",
        Resource: [topic(CREATE_CERTIFICATE_FROM_CSR_TOPIC), topic(provision)],
      },
      {
        Sid: "ProvisioningReplies",
        Effect: "Allow",
        Action: ["iot:Subscribe"],
        Resource: [filter(`${CREATE_CERTIFICATE_FROM_CSR_TOPIC}/*`), filter(`${provision}/*`)],
      },
      {
        Sid: "ReceiveProvisioningReplies",
        Effect: "Allow",
        Action: ["iot:Receive"],
        Resource: [topic(`${CREATE_CERTIFICATE_FROM_CSR_TOPIC}/*`), topic(`${provision}/*`)],
      },
    ],
  };
}
