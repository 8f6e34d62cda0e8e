import type { RegisteredResource, StackRun } from "../harness/index.ts";
import type { Authorization } from "./authorization.ts";
import type { AwsScope } from "./aws-scope.ts";

/** A role an AWS service assumes, and the requests the service makes with it. */
export interface ServiceRoleUse {
  /** What uses it: `topic rule fleet_dev_telemetry, Kinesis action`. */
  use: string;
  roleArn: string;
  /** The service principal the role's trust must admit, with the context it assumes it in. */
  assumedBy: { service: string; context: Record<string, string> };
  authorizations: Authorization[];
}

const CERTIFICATE_ID = "c".repeat(64);
const SERIAL = "10000000abcdef01";
/** Topic rule keys that are not actions. */
const RULE_SETTINGS = new Set(["name", "description", "enabled", "sql", "sqlVersion", "tags"]);

const request = (
  source: string,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Authorization => ({ action, resource, context, source });

function arns(scope: AwsScope) {
  const regional = (service: string, resource: string) =>
    `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
  return {
    iot: (resource: string) => regional("iot", resource),
    logGroup: (name: string) => regional("logs", `log-group:${name}`),
    stream: (name: string) => regional("kinesis", `stream/${name}`),
  };
}

/**
 * The requests of each IoT topic rule action, by the role the action names (AWS IoT developer
 * guide, "AWS IoT rule actions": Kinesis Data Streams needs kinesis:PutRecord; CloudWatch Logs
 * needs logs:CreateLogStream, logs:DescribeLogStreams and logs:PutLogEvents). A Lambda action
 * needs no role (the function's resource policy admits the rule); any other action fails here
 * until it is described.
 */
function topicRuleUses(rule: RegisteredResource, scope: AwsScope): ServiceRoleUse[] {
  const name = rule.inputs.name as string;
  const at = arns(scope);
  const assumedBy = {
    service: "iot.amazonaws.com",
    context: { "aws:SourceAccount": scope.accountId, "aws:SourceArn": at.iot(`rule/${name}`) },
  };
  const uses: ServiceRoleUse[] = [];
  const logs = (use: string, action: { logGroupName: string; roleArn: string }) => {
    const group = at.logGroup(action.logGroupName);
    uses.push({
      use,
      roleArn: action.roleArn,
      assumedBy,
      authorizations: [
        request(use, "logs:CreateLogStream", `${group}:log-stream:${name}-stream`),
        request(use, "logs:PutLogEvents", `${group}:log-stream:${name}-stream`),
        request(use, "logs:DescribeLogStreams", group),
      ],
    });
  };
  for (const [key, value] of Object.entries(rule.inputs)) {
    if (RULE_SETTINGS.has(key) || value === undefined) continue;
    const actions = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
    for (const action of actions) {
      switch (key) {
        case "lambdas":
          break;
        case "kineses": {
          const use = `topic rule ${name}, Kinesis action`;
          uses.push({
            use,
            roleArn: action.roleArn as string,
            assumedBy,
            authorizations: [
              request(use, "kinesis:PutRecord", at.stream(action.streamName as string)),
            ],
          });
          break;
        }
        case "cloudwatchLogs":
          logs(`topic rule ${name}, CloudWatch Logs action`, action as never);
          break;
        case "errorAction":
          if (action.cloudwatchLogs === undefined) {
            throw new Error(
              `topic rule ${name}: describe its error action in service-role-uses.ts`,
            );
          }
          logs(`topic rule ${name}, error action`, action.cloudwatchLogs as never);
          break;
        default:
          throw new Error(`topic rule ${name}: describe its ${key} action in service-role-uses.ts`);
      }
    }
  }
  return uses;
}

interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/**
 * What AWS IoT does with a fleet provisioning template's role when a device registers (AWS IoT
 * developer guide, "Provisioning templates" and "Fleet provisioning"): it creates or updates the
 * thing and adds it to its groups, activates the certificate, attaches the policy to it, and
 * attaches the certificate to the thing.
 */
function provisioningTemplateUse(template: RegisteredResource, scope: AwsScope): ServiceRoleUse {
  const at = arns(scope);
  const use = `provisioning template ${template.inputs.name}`;
  const body = JSON.parse(template.inputs.templateBody as string) as {
    Resources: Record<string, TemplateResource>;
  };
  const resources = Object.values(body.Resources);
  const thing = at.iot(`thing/${SERIAL}`);
  const certificate = at.iot(`cert/${CERTIFICATE_ID}`);
  const authorizations: Authorization[] = [];
  for (const resource of resources) {
    switch (resource.Type) {
      case "AWS::IoT::Thing":
        for (const action of ["iot:CreateThing", "iot:DescribeThing", "iot:UpdateThing"]) {
          authorizations.push(request(use, action, thing));
        }
        for (const group of (resource.Properties.ThingGroups ?? []) as string[]) {
          const groupArn = at.iot(`thinggroup/${group}`);
          authorizations.push(
            request(use, "iot:DescribeThingGroup", groupArn),
            request(use, "iot:AddThingToThingGroup", thing),
            request(use, "iot:AddThingToThingGroup", groupArn),
          );
        }
        break;
      case "AWS::IoT::Certificate":
        authorizations.push(
          request(use, "iot:DescribeCertificate", certificate),
          request(use, "iot:UpdateCertificate", certificate),
          request(use, "iot:AttachThingPrincipal", certificate, { "iot:thingArn": thing }),
        );
        break;
      case "AWS::IoT::Policy":
        authorizations.push(
          request(use, "iot:GetPolicy", at.iot(`policy/${resource.Properties.PolicyName}`)),
          request(use, "iot:AttachPolicy", certificate),
        );
        break;
      default:
        throw new Error(`${use}: describe what AWS IoT does for a ${resource.Type} resource`);
    }
  }
  return {
    use,
    roleArn: template.inputs.provisioningRoleArn as string,
    assumedBy: { service: "iot.amazonaws.com", context: { "aws:SourceAccount": scope.accountId } },
    authorizations,
  };
}

const desiredStates = (stack: StackRun<unknown>, typeName: string) =>
  stack
    .ofType("aws:cloudcontrol/resource:Resource")
    .filter((resource) => resource.inputs.typeName === typeName)
    .map((resource) => JSON.parse(resource.inputs.desiredState as string));

/**
 * Device Defender audits with the audit role (the expiring-certificate check lists and
 * describes certificates) and notifies with the notification role (sns:Publish on the target);
 * AWS IoT Device Defender developer guide, "Audit" permissions.
 */
function auditUses(stack: StackRun<unknown>, scope: AwsScope): ServiceRoleUse[] {
  const at = arns(scope);
  const assumedBy = {
    service: "iot.amazonaws.com",
    context: { "aws:SourceAccount": scope.accountId },
  };
  return desiredStates(stack, "AWS::IoT::AccountAuditConfiguration").flatMap((state) => {
    const uses: ServiceRoleUse[] = [];
    if (state.AuditCheckConfigurations?.DeviceCertificateExpiringCheck?.Enabled) {
      const use = "Device Defender audit, expiring-certificate check";
      uses.push({
        use,
        roleArn: state.RoleArn,
        assumedBy,
        authorizations: [
          request(use, "iot:ListCertificates", "*"),
          request(use, "iot:DescribeCertificate", at.iot(`cert/${CERTIFICATE_ID}`)),
        ],
      });
    }
    const sns = state.AuditNotificationTargetConfigurations?.Sns;
    if (sns?.Enabled) {
      const use = "Device Defender audit notifications";
      uses.push({
        use,
        roleArn: sns.RoleArn,
        assumedBy,
        authorizations: [request(use, "sns:Publish", sns.TargetArn)],
      });
    }
    return uses;
  });
}

/** `${aws:iot:s3-presigned-url[-v2]:https://s3[.<region>].amazonaws.com/<bucket>/<key>}`. */
const PRESIGNED_URL = /\$\{aws:iot:s3-presigned-url(?:-v2)?:https:\/\/[^/]+\/([^/]+)\/([^}]+)\}/g;

/**
 * AWS IoT Jobs presigns a job document's S3 URLs with the template's presign role: it reads
 * the objects the document names (AWS IoT developer guide, "Presigned Amazon S3 URLs").
 */
function presignUses(stack: StackRun<unknown>, scope: AwsScope): ServiceRoleUse[] {
  const templates = stack
    .ofType("aws:cloudcontrol/resource:Resource")
    .filter((resource) => resource.inputs.typeName === "AWS::IoT::JobTemplate");
  return templates.flatMap((template) => {
    const state = JSON.parse(template.inputs.desiredState as string);
    const roleArn = state.PresignedUrlConfig?.RoleArn as string | undefined;
    if (roleArn === undefined) return [];
    // Template ids derive from their content: the logical name keeps test names stable.
    const use = `job template ${template.name}, presigned URLs`;
    const objects = [...String(state.Document).matchAll(PRESIGNED_URL)].map(
      ([, bucket, key]) => `arn:${scope.partition}:s3:::${bucket}/${decodeURIComponent(key ?? "")}`,
    );
    if (objects.length === 0) throw new Error(`${use}: its document names no presigned URL`);
    return [
      {
        use,
        roleArn,
        assumedBy: {
          service: "iot.amazonaws.com",
          context: { "aws:SourceAccount": scope.accountId },
        },
        authorizations: objects.map((object) => request(use, "s3:GetObject", object)),
      },
    ];
  });
}

/** Every role an AWS service (not a Lambda function) assumes in the stage, and what it does. */
export function serviceRoleUses(stack: StackRun<unknown>, scope: AwsScope): ServiceRoleUse[] {
  return [
    ...stack.ofType("aws:iot/topicRule:TopicRule").flatMap((rule) => topicRuleUses(rule, scope)),
    ...stack
      .ofType("aws:iot/provisioningTemplate:ProvisioningTemplate")
      .map((template) => provisioningTemplateUse(template, scope)),
    ...auditUses(stack, scope),
    ...presignUses(stack, scope),
  ];
}
