import type { StackRun } from "../harness/index.ts";
import type { Authorization } from "./authorization.ts";
import { type AwsScope, OTHER_ACCOUNT_ID } from "./aws-scope.ts";

const CERTIFICATE_ID = "c".repeat(64);
const THING = "sim-0001";

/**
 * The requests that change what a device may do, spend money, or read secrets, aimed at this
 * stage's own resources: a role may make one only when its own calls need it (`sameFamily`).
 */
export function sensitiveRequests(stack: StackRun<unknown>, scope: AwsScope): Authorization[] {
  const arn = (service: string, resource: string) =>
    `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
  const iot = (resource: string) => arn("iot", resource);
  const thingArn = iot(`thing/${THING}`);
  const requests: [string, string, Record<string, string>?][] = [
    ["iot:DeleteThing", thingArn],
    ["iot:UpdateCertificate", iot(`cert/${CERTIFICATE_ID}`)],
    ["iot:DeleteCertificate", iot(`cert/${CERTIFICATE_ID}`)],
    ["iot:AttachPolicy", iot(`cert/${CERTIFICATE_ID}`)],
    ["iot:DetachPolicy", iot(`cert/${CERTIFICATE_ID}`)],
    ["iot:AttachThingPrincipal", iot(`cert/${CERTIFICATE_ID}`), { "iot:thingArn": thingArn }],
    ["iot:DetachThingPrincipal", iot(`cert/${CERTIFICATE_ID}`), { "iot:thingArn": thingArn }],
    ["iot:RegisterCertificateWithoutCA", "*"],
    ["iot:CreateJob", iot("job/any-job")],
    ["iot:CancelJobExecution", iot("job/any-job")],
    ["iot:Publish", iot(`topic/rot/${THING}/csr/accepted`)],
    ["iot:Publish", iot(`topic/rot/${THING}/commit/accepted`)],
    ["iot:Publish", iot(`topic/$aws/things/${THING}/shadow/update`)],
    ["iam:CreateRole", `arn:${scope.partition}:iam::${scope.accountId}:role/any-role`],
    ["iam:PutRolePolicy", `arn:${scope.partition}:iam::${scope.accountId}:role/any-role`],
    ["iam:AttachRolePolicy", `arn:${scope.partition}:iam::${scope.accountId}:role/any-role`],
    ["iam:PassRole", `arn:${scope.partition}:iam::${scope.accountId}:role/any-role`],
  ];
  for (const table of stack.ofType("aws:dynamodb/table:Table")) {
    const tableArn = arn("dynamodb", `table/${table.inputs.name}`);
    requests.push(["dynamodb:PutItem", tableArn], ["dynamodb:DeleteItem", tableArn]);
  }
  for (const bucket of stack.ofType("aws:s3/bucket:Bucket")) {
    const object = `arn:${scope.partition}:s3:::${bucket.inputs.bucket}/any-key`;
    requests.push(["s3:GetObject", object], ["s3:PutObject", object], ["s3:DeleteObject", object]);
  }
  for (const secret of stack.ofType("aws:secretsmanager/secret:Secret")) {
    requests.push([
      "secretsmanager:GetSecretValue",
      arn("secretsmanager", `secret:${secret.inputs.name}-AbCdEf`),
    ]);
  }
  for (const queue of stack.ofType("aws:sqs/queue:Queue")) {
    requests.push(["sqs:SendMessage", arn("sqs", queue.inputs.name)]);
  }
  for (const stream of stack.ofType("aws:kinesis/stream:Stream")) {
    requests.push(["kinesis:PutRecord", arn("kinesis", `stream/${stream.inputs.name}`)]);
  }
  for (const topic of stack.ofType("aws:sns/topic:Topic")) {
    requests.push(["sns:Publish", arn("sns", topic.inputs.name)]);
  }
  for (const ca of stack.ofType("aws:acmpca/certificateAuthority:CertificateAuthority")) {
    const caArn = arn("acm-pca", `certificate-authority/${ca.name}`);
    requests.push(
      [
        "acm-pca:IssueCertificate",
        caArn,
        { "acm-pca:TemplateArn": "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1" },
      ],
      ["acm-pca:RevokeCertificate", caArn],
    );
  }
  return requests.map(([action, resource, context]) => ({
    action,
    resource,
    context: context ?? {},
    source: "least privilege",
  }));
}

/**
 * Resources a grant may cover together: any thing, certificate or job of the stage (devices are
 * not known in advance), any object under one top-level prefix of a bucket (`apps/...`);
 * anything else only itself.
 */
export function resourceFamily(resource: string): string {
  return resource
    .replace(/(:iot:[^:]*:\d*:(thing|cert|job)\/).*/, "$1*")
    .replace(/^(arn:[^:]+:s3:::[^/]+\/[^/]+\/).*/, "$1*");
}

/** The sensitive requests a role must be denied: those none of its own requests resemble. */
export function mustBeDenied(sensitive: Authorization[], own: Authorization[]): Authorization[] {
  const needed = new Set(own.map((a) => `${a.action} ${resourceFamily(a.resource)}`));
  return sensitive.filter((a) => !needed.has(`${a.action} ${resourceFamily(a.resource)}`));
}

/**
 * The same request aimed at another stage: its account (another account per stage), or for S3,
 * whose ARNs carry no account, another bucket. Undefined for a `*` resource.
 */
export function inAnotherStage(
  authorization: Authorization,
  scope: AwsScope,
): Authorization | undefined {
  if (authorization.resource === "*") return undefined;
  const move = (value: string) =>
    value.startsWith("arn:") && value.split(":")[2] === "s3"
      ? value.replace(/^(arn:[^:]+:s3:::)[^/]+/, "$1another-stage-bucket")
      : value.replace(`:${scope.accountId}:`, `:${OTHER_ACCOUNT_ID}:`);
  return {
    ...authorization,
    resource: move(authorization.resource),
    context: Object.fromEntries(
      Object.entries(authorization.context).map(([key, value]) => [key, move(value)]),
    ),
    source: `${authorization.source}, in another stage`,
  };
}
