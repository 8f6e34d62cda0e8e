import { DEVICE_LOG_RETENTION_DAYS, DEVICE_LOGS_RULE_SQL } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MOCK_ACCOUNT_ID,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  permissionStatements,
  type RegisteredResource,
  runStack,
  type StackRun,
  stopStackHarness,
  trustStatements,
} from "./harness/index.ts";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE = "aws:iam/role:Role";

describe("device logs stack", () => {
  let stack: StackRun<void>;
  let rule: RegisteredResource;
  let logGroup: RegisteredResource;
  let ruleArn: string;

  beforeAll(async () => {
    stack = await runStack(
      async () => {
        const { deviceLogs } = await import("../../stacks/device-logs.ts");
        deviceLogs();
      },
      { stage: "dev" },
    );
    rule = stack.one("aws:iot/topicRule:TopicRule");
    logGroup = stack.one(LOG_GROUP, "DeviceLogGroup");
    ruleArn = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:rule/${rule.inputs.name}`;
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("keeps one log group for the stage's device logs, with a retention", () => {
    expect(logGroup.inputs.name).toBe("/fleet/dev/device-logs");
    expect(logGroup.inputs.retentionInDays).toBe(DEVICE_LOG_RETENTION_DAYS);
  });

  it("selects every device's log topic, adding the thing from the topic, with IoT SQL 2016-03-23", () => {
    expect(rule.inputs).toMatchObject({
      name: "fleet_dev_device_logs",
      sql: DEVICE_LOGS_RULE_SQL,
      sqlVersion: "2016-03-23",
      enabled: true,
    });
    expect(DEVICE_LOGS_RULE_SQL).toBe("SELECT *, topic(2) AS thingName FROM 'dt/+/logs'");
  });

  it("writes each message as one event (batchMode off) through a role only this rule can assume", () => {
    const role = stack.one(ROLE, "DeviceLogsRuleLogsRole");
    expect(rule.inputs.cloudwatchLogs).toEqual([
      {
        logGroupName: logGroup.inputs.name,
        roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`,
        batchMode: false,
      },
    ]);
    expect(trustStatements(role)).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRole"],
        principals: { Service: ["iot.amazonaws.com"] },
        conditions: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": ruleArn },
        },
      }),
    ]);
  });

  it("lets the role write to the device log group only, with the actions the rule action needs", () => {
    const groupArn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.inputs.name}`;
    expect(
      permissionStatements(stack.resources).filter((s) => s.owner === "DeviceLogsRuleLogsPolicy"),
    ).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        resources: [groupArn, `${groupArn}:*`],
      }),
    ]);
  });

  it("sends events it fails to deliver to the rule's error log group", () => {
    const errorLogGroup = stack.one(LOG_GROUP, "DeviceLogsRuleErrorLogGroup");
    expect(rule.inputs.errorAction.cloudwatchLogs.logGroupName).toBe(errorLogGroup.inputs.name);
  });
});
