import { PRESENCE_RULE_SQL } from "@fleet/core/contracts";
import { lambdaTopicRule } from "./iot-topic-rule.ts";
import { lambdaFunction } from "./lambda-function.ts";

export interface DevicePresence {
  rule: aws.iot.TopicRule;
  handler: sst.aws.Function;
  errorLogGroup: aws.cloudwatch.LogGroup;
}

/**
 * Device presence: an IoT topic rule on the lifecycle events AWS IoT publishes when a client
 * connects or disconnects, feeding a function that records connect/disconnect metrics (with
 * the disconnect reason). Events the rule fails to deliver go to a log group.
 */
export function devicePresence(): DevicePresence {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const prefix = `${$app.name}-${$app.stage}`;
  // Topic rule names allow only [a-zA-Z0-9_].
  const ruleName = `${prefix}-presence`.replace(/[^a-zA-Z0-9_]/g, "_");
  const ruleArn = $interpolate`arn:${partition}:iot:${region}:${accountId}:rule/${ruleName}`;

  const { fn: handler } = lambdaFunction("PresenceEvent", {
    handler: "presence-event",
    environment: {
      POWERTOOLS_SERVICE_NAME: "device-presence",
      POWERTOOLS_METRICS_NAMESPACE: `${$app.name}/${$app.stage}`,
    },
  });

  const { rule, errorLogGroup } = lambdaTopicRule("PresenceRule", {
    ruleName,
    ruleArn,
    accountId,
    description: "AWS IoT lifecycle (connect/disconnect) events to the presence function",
    // Connects and disconnects only: the filter also matches connect_failed events.
    sql: PRESENCE_RULE_SQL,
    fn: handler,
  });

  return { rule, handler, errorLogGroup };
}
