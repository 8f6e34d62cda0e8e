import { PRESENCE_TOPIC_FILTER } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LAMBDA_FUNCTION,
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

const arnOf = (resource: RegisteredResource, arn: (name: string) => string) =>
  arn(resource.inputs.name ?? resource.name);

describe("device presence stack", () => {
  let stack: StackRun<void>;
  let rule: RegisteredResource;
  let fn: RegisteredResource;
  let ruleArn: string;
  let fnArn: string;

  beforeAll(async () => {
    stack = await runStack(
      async () => {
        const { devicePresence } = await import("../../stacks/device-presence.ts");
        devicePresence();
      },
      { stage: "dev" },
    );
    rule = stack.one("aws:iot/topicRule:TopicRule");
    fn = stack.one(LAMBDA_FUNCTION);
    ruleArn = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:rule/${rule.inputs.name}`;
    fnArn = arnOf(
      fn,
      (name) => `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${name}`,
    );
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("selects connect and disconnect lifecycle events, never connect_failed, with IoT SQL 2016-03-23", () => {
    expect(PRESENCE_TOPIC_FILTER).toBe("$aws/events/presence/+/+");
    expect(rule.inputs.sql).toBe(
      "SELECT * FROM '$aws/events/presence/+/+' WHERE eventType = 'connected' OR eventType = 'disconnected'",
    );
    expect(rule.inputs.sqlVersion).toBe("2016-03-23");
    expect(rule.inputs.enabled).toBe(true);
  });

  it("names the rule after app and stage with only characters rule names allow", () => {
    expect(rule.inputs.name).toBe("fleet_dev_presence");
  });

  it("sends the events to the presence function", () => {
    expect(rule.inputs.lambdas).toEqual([{ functionArn: fnArn }]);
  });

  it("lets only this rule, in this account, invoke the function", () => {
    const permission = stack.one("aws:lambda/permission:Permission");

    expect(permission.inputs).toEqual({
      action: "lambda:InvokeFunction",
      function: fn.inputs.name,
      principal: "iot.amazonaws.com",
      sourceArn: ruleArn,
      sourceAccount: MOCK_ACCOUNT_ID,
    });
  });

  it("logs events it fails to deliver through a role only this rule can assume", () => {
    const errorLogGroup = stack.one(LOG_GROUP, "PresenceRuleErrorLogGroup");
    const errorRole = stack.one(ROLE, "PresenceRuleErrorRole");
    const { cloudwatchLogs } = rule.inputs.errorAction;

    expect(cloudwatchLogs.logGroupName).toBe(errorLogGroup.inputs.name);
    expect(cloudwatchLogs.roleArn).toBe(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${errorRole.name}`);
    expect(trustStatements(errorRole)).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRole"],
        principals: { Service: ["iot.amazonaws.com"] },
        conditions: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": ruleArn },
        },
      }),
    ]);
    const errorLogGroupArn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${errorLogGroup.inputs.name}`;
    expect(
      permissionStatements(stack.resources).filter((s) => s.owner === "PresenceRuleErrorPolicy"),
    ).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        resources: [errorLogGroupArn, `${errorLogGroupArn}:*`],
      }),
    ]);
  });

  it("grants no wildcard action and no unscoped resource to any role", () => {
    const statements = permissionStatements(stack.resources);

    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of statement.actions) expect(action).not.toContain("*");
      expect(statement.resources).not.toContain("*");
    }
  });

  it("lets the function write only to its own log group, with no managed policies", () => {
    const role = stack.one(ROLE, "PresenceEventRole");
    const logGroup = stack.one(LOG_GROUP, "PresenceEventLogGroup");
    const logGroupArn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.inputs.name}`;

    expect(role.inputs.managedPolicyArns).toEqual([]);
    expect(permissionStatements([role])).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${logGroupArn}:*`],
      }),
    ]);
    expect(fn.inputs.role).toBe(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.inputs.name}`);
    expect(fn.inputs.loggingConfig).toEqual({ logFormat: "JSON", logGroup: logGroup.inputs.name });
  });

  it("lets only the Lambda service assume the function's role", () => {
    const role = stack.one(ROLE, "PresenceEventRole");

    expect(trustStatements(role).map((statement) => statement.principals)).toEqual([
      { Service: ["lambda.amazonaws.com"] },
    ]);
  });

  it("builds the presence handler for Node.js 24 on arm64", () => {
    expect(stack.builds).toEqual([
      expect.objectContaining({
        functionID: "PresenceEvent",
        handler: "packages/functions/src/handlers/presence-event.handler",
        runtime: "nodejs24.x",
      }),
    ]);
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs24.x",
      architectures: ["arm64"],
      handler: "packages/functions/src/handlers/presence-event.handler",
    });
  });

  it("gives the function only the environment variables it reads", () => {
    const variables: Record<string, string> = fn.inputs.environment.variables;
    // SST adds its own SST_* variables (resource linking) to every function.
    const own = Object.fromEntries(
      Object.entries(variables).filter(([key]) => !key.startsWith("SST_")),
    );

    expect(own).toEqual({
      POWERTOOLS_SERVICE_NAME: "device-presence",
      POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
    });
  });
});
