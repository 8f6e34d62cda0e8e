import type { AwsScope } from "./aws-scope.ts";

type Input = Record<string, unknown>;
type ArnBuilder = (input: Input, scope: AwsScope) => string[];

const text = (value: unknown): string[] => (typeof value === "string" ? [value] : []);
const regional = (scope: AwsScope, service: string, resource: string) =>
  `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
const iot = (scope: AwsScope, resource: string) => regional(scope, "iot", resource);
/** ARNs among `values` naming a resource of this kind (`:thing/`, `:cert/`...). */
const arnsOfKind = (values: unknown, kind: string) =>
  (Array.isArray(values) ? values : [values]).filter(
    (value): value is string => typeof value === "string" && value.includes(`:${kind}/`),
  );

/**
 * How to name, from a command's input, each resource type an action is authorized on. Keys
 * are `<service prefix>:<resource type>` as the Service Authorization Reference spells them;
 * an empty answer means the input names no resource of that type (e.g. a job targeting a
 * group names no thing).
 */
const ARN_BUILDERS: Record<string, ArnBuilder> = {
  "acm-pca:certificate-authority": (input) => text(input.CertificateAuthorityArn),
  "dynamodb:table": (input, scope) =>
    text(input.TableName).map((table) => regional(scope, "dynamodb", `table/${table}`)),
  // Only a Scan or Query of an index is authorized on it.
  "dynamodb:index": (input, scope) =>
    typeof input.IndexName === "string"
      ? [regional(scope, "dynamodb", `table/${input.TableName}/index/${input.IndexName}`)]
      : [],
  "iot:cert": (input, scope) => [
    ...text(input.certificateId).map((id) => iot(scope, `cert/${id}`)),
    ...arnsOfKind(input.principal, "cert"),
    ...arnsOfKind(input.target, "cert"),
  ],
  "iot:job": (input, scope) => text(input.jobId).map((id) => iot(scope, `job/${id}`)),
  "iot:jobtemplate": (input) => text(input.jobTemplateArn),
  "iot:thing": (input, scope) => [
    ...text(input.thingName).map((name) => iot(scope, `thing/${name}`)),
    ...arnsOfKind(input.targets, "thing"),
  ],
  "iot:thinggroup": (input, scope) => [
    ...text(input.thingGroupName).map((name) => iot(scope, `thinggroup/${name}`)),
    ...arnsOfKind(input.targets, "thinggroup"),
    ...arnsOfKind(input.target, "thinggroup"),
  ],
  "iot:topic": (input, scope) => text(input.topic).map((topic) => iot(scope, `topic/${topic}`)),
  "s3:bucket": (input, scope) =>
    text(input.Bucket).map((bucket) => `arn:${scope.partition}:s3:::${bucket}`),
  "s3:object": (input, scope) =>
    typeof input.Key === "string"
      ? text(input.Bucket).map((bucket) => `arn:${scope.partition}:s3:::${bucket}/${input.Key}`)
      : [],
  // Secrets are named by ARN throughout the stack (the ARN carries AWS's random suffix).
  "secretsmanager:Secret": (input) => text(input.SecretId).filter((id) => id.startsWith("arn:")),
  // https://sqs.<region>.amazonaws.com/<account>/<queue>
  "sqs:queue": (input, scope) =>
    text(input.QueueUrl).map((url) => {
      const [, account, queue] = new URL(url).pathname.split("/");
      return `arn:${scope.partition}:sqs:${scope.region}:${account}:${queue}`;
    }),
  "timestream:table": (input, scope) =>
    typeof input.DatabaseName === "string" && typeof input.TableName === "string"
      ? [regional(scope, "timestream", `database/${input.DatabaseName}/table/${input.TableName}`)]
      : [],
};

/** The ARNs of `resourceType` (`iot:cert`) the input names; undefined: no builder for the type. */
export function resourceArns(
  resourceType: string,
  input: Input,
  scope: AwsScope,
): string[] | undefined {
  return ARN_BUILDERS[resourceType]?.(input, scope);
}
