import type { StackRun } from "../harness/index.ts";
import type { Authorization } from "./authorization.ts";
import type { AwsScope } from "./aws-scope.ts";
import type { StageFunction } from "./stage-functions.ts";

const EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping";

/**
 * What AWS Lambda itself does with a function's role, derived from the function's synthesized
 * settings (Lambda developer guide: "Lambda execution role", "Kinesis event source mapping
 * permissions", "Event destinations", "Attaching a function to a VPC"):
 * - the runtime writes the function's logs to its log group;
 * - an event source mapping reads its Kinesis stream, and sends failed batches' records to its
 *   on-failure destination;
 * - in a VPC, Lambda manages the function's network interfaces.
 */
export function lambdaServiceAuthorizations(
  stack: StackRun<unknown>,
  fn: StageFunction,
  scope: AwsScope,
): Authorization[] {
  const authorizations: Authorization[] = [];
  const add = (source: string, actions: string[], resource: string) => {
    for (const action of actions) authorizations.push({ action, resource, context: {}, source });
  };
  const region = `${scope.partition}:logs:${scope.region}:${scope.accountId}`;
  const logGroup = fn.resource.inputs.loggingConfig?.logGroup as string | undefined;
  if (logGroup !== undefined) {
    add(
      "Lambda runtime logs",
      ["logs:CreateLogStream", "logs:PutLogEvents"],
      `arn:${region}:log-group:${logGroup}:log-stream:2026/12/06/[$LATEST]0123456789abcdef`,
    );
  }

  const physicalName = (fn.resource.inputs.name as string | undefined) ?? fn.resource.name;
  for (const mapping of stack.ofType(EVENT_SOURCE_MAPPING)) {
    if (mapping.inputs.functionName !== physicalName) continue;
    const source = mapping.inputs.eventSourceArn as string;
    if (source.includes(":kinesis:")) {
      add(
        "Lambda event source mapping",
        [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        source,
      );
    }
    const destination = mapping.inputs.destinationConfig?.onFailure?.destinationArn as
      | string
      | undefined;
    if (destination?.includes(":sqs:")) {
      add("Lambda on-failure destination", ["sqs:SendMessage"], destination);
    }
  }

  const vpc = fn.resource.inputs.vpcConfig as
    | { subnetIds?: string[]; securityGroupIds?: string[] }
    | undefined;
  if (vpc?.subnetIds !== undefined && vpc.subnetIds.length > 0) {
    const ec2 = (resource: string) =>
      `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:${resource}`;
    const eni = ec2("network-interface/eni-0123456789abcdef0");
    const source = "Lambda VPC networking";
    add(source, ["ec2:CreateNetworkInterface"], eni);
    for (const subnet of vpc.subnetIds) {
      add(source, ["ec2:CreateNetworkInterface"], ec2(`subnet/${subnet}`));
    }
    for (const group of vpc.securityGroupIds ?? []) {
      add(source, ["ec2:CreateNetworkInterface"], ec2(`security-group/${group}`));
    }
    // DescribeSubnets too since AWSLambdaVPCAccessExecutionRole v3 (January 2024).
    add(source, ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "*");
    add(
      source,
      [
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      eni,
    );
  }
  return authorizations;
}
