import {
  DEVICE_LOG_RETENTION_DAYS,
  DEVICE_LOGS_RULE_SQL,
  stageDeviceLogNames,
} from "@fleet/core/contracts";
import { cloudWatchLogsActionRole, iotRuleErrorLog } from "./iot-topic-rule.ts";

export interface DeviceLogs {
  logGroup: aws.cloudwatch.LogGroup;
  rule: aws.iot.TopicRule;
  errorLogGroup: aws.cloudwatch.LogGroup;
}

/**
 * Device logs shipped on request (`fleet logs`): one log group for the stage, kept
 * `DEVICE_LOG_RETENTION_DAYS`, fed by an IoT topic rule with a CloudWatch Logs action.
 *
 * - `batchMode` off: each MQTT message becomes one log event, the rule's output as it is
 *   (AWS IoT developer guide, "CloudWatch Logs" rule action: "with batchMode turned off, there
 *   are no MQTT message formatting requirements"). Batch mode would take each element of a
 *   JSON array as its own event with its own timestamp, leaving no place for the `thingName`
 *   the rule adds from the topic; off, the stored event names its sender as the broker saw it.
 * - The action has no log stream parameter (AWS IoT API reference, `CloudwatchLogsAction`:
 *   logGroupName, roleArn, batchMode): AWS IoT names and creates the streams, so the CLI finds
 *   a device's events by a filter on `thingName`, never by stream name.
 * - Its role may do only what the action needs on this group (same reference, "Requirements":
 *   logs:CreateLogStream, logs:DescribeLogStreams, logs:PutLogEvents), assumed by this rule
 *   only; events it fails to deliver go to the rule's error log group.
 */
export function deviceLogs(): DeviceLogs {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const names = stageDeviceLogNames($app.stage);
  const ruleArn = $interpolate`arn:${partition}:iot:${region}:${accountId}:rule/${names.ruleName}`;

  const logGroup = new aws.cloudwatch.LogGroup("DeviceLogGroup", {
    name: names.logGroupName,
    retentionInDays: DEVICE_LOG_RETENTION_DAYS,
  });
  const role = cloudWatchLogsActionRole("DeviceLogsRuleLogs", { ruleArn, accountId, logGroup });
  const errorLog = iotRuleErrorLog("DeviceLogsRule", {
    ruleName: names.ruleName,
    ruleArn,
    accountId,
  });
  const rule = new aws.iot.TopicRule("DeviceLogsRule", {
    name: names.ruleName,
    description: "Device log lines shipped on request (fleet logs) to the stage's device log group",
    enabled: true,
    sql: DEVICE_LOGS_RULE_SQL,
    sqlVersion: "2016-03-23",
    cloudwatchLogs: [{ logGroupName: logGroup.name, roleArn: role.arn, batchMode: false }],
    errorAction: errorLog.errorAction,
  });
  return { logGroup, rule, errorLogGroup: errorLog.logGroup };
}
