import { iotRuleRole } from "./iot-rule-role.ts";

export interface IotRuleErrorLogArgs {
  ruleName: string;
  /** ARN of the rule (built from its name: no cycle). */
  ruleArn: $util.Input<string>;
  accountId: $util.Input<string>;
}

/**
 * Where a topic rule's undelivered messages go: a log group of its own, written through a role
 * only that rule may assume, with the actions AWS lists for the CloudWatch Logs rule action.
 */
export function iotRuleErrorLog(
  name: string,
  args: IotRuleErrorLogArgs,
): {
  logGroup: aws.cloudwatch.LogGroup;
  errorAction: aws.types.input.iot.TopicRuleErrorAction;
} {
  const logGroup = new aws.cloudwatch.LogGroup(`${name}ErrorLogGroup`, {
    name: `/aws/iot/rules/${args.ruleName}/errors`,
    retentionInDays: 30,
  });
  const role = cloudWatchLogsActionRole(`${name}Error`, { ...args, logGroup });
  return {
    logGroup,
    errorAction: { cloudwatchLogs: { logGroupName: logGroup.name, roleArn: role.arn } },
  };
}

/**
 * The role of a CloudWatch Logs rule action writing to `logGroup`: only the rule may assume it,
 * and it may do only what AWS lists for that action (logs:CreateLogStream,
 * logs:DescribeLogStreams, logs:PutLogEvents) on that group.
 */
export function cloudWatchLogsActionRole(
  name: string,
  args: Omit<IotRuleErrorLogArgs, "ruleName"> & { logGroup: aws.cloudwatch.LogGroup },
): aws.iam.Role {
  return iotRuleRole(name, {
    ruleArn: args.ruleArn,
    accountId: args.accountId,
    actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
    // Service Authorization Reference (CloudWatch Logs): DescribeLogStreams is authorized on
    // the log group's own ARN, the other two on its streams (`<group ARN>:log-stream:...`).
    resources: [args.logGroup.arn, $interpolate`${args.logGroup.arn}:*`],
  });
}

export interface LambdaTopicRuleArgs extends IotRuleErrorLogArgs {
  description: string;
  sql: string;
  fn: sst.aws.Function;
}

/**
 * A topic rule invoking one function, which only this rule (in this account) may invoke;
 * messages it fails to deliver go to its error log group.
 */
export function lambdaTopicRule(
  name: string,
  args: LambdaTopicRuleArgs,
): { rule: aws.iot.TopicRule; errorLogGroup: aws.cloudwatch.LogGroup } {
  const errorLog = iotRuleErrorLog(name, args);
  const rule = new aws.iot.TopicRule(name, {
    name: args.ruleName,
    description: args.description,
    enabled: true,
    sql: args.sql,
    sqlVersion: "2016-03-23",
    lambdas: [{ functionArn: args.fn.arn }],
    errorAction: errorLog.errorAction,
  });
  new aws.lambda.Permission(`${name}Invoke`, {
    action: "lambda:InvokeFunction",
    function: args.fn.name,
    principal: "iot.amazonaws.com",
    sourceArn: rule.arn,
    sourceAccount: args.accountId,
  });
  return { rule, errorLogGroup: errorLog.logGroup };
}
