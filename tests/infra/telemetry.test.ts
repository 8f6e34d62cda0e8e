import {
  stageResourceNames,
  TELEMETRY_RULE_SQL,
  TELEMETRY_TOPIC_FILTER,
  TelemetryStoreSettingsSchema,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TelemetryConfig } from "../../stacks/telemetry-config.ts";
import {
  type IamStatement,
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

const ROLE = "aws:iam/role:Role";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const QUEUE = "aws:sqs/queue:Queue";
const MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping";

const names = stageResourceNames("dev");
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
const streamArn = arn("kinesis", `stream/${names.telemetryStreamName}`);
const ruleArn = arn("iot", `rule/${names.telemetryRuleName}`);
const deadLetterQueueArn = arn("sqs", names.telemetryDeadLetterQueueName);
const failureQueueArn = arn("sqs", "fleet-dev-telemetry-ingest-failures");
const queueUrl = (name: string) =>
  `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/${name}`;
const TOKEN_SECRET_ARN = arn("secretsmanager", "secret:fleet/dev/influxdb-token-AbCdEf");

const INFLUXDB: TelemetryConfig = {
  store: {
    kind: "influxdb",
    url: "https://abc123.eu-west-1.timestream-influxdb.amazonaws.com:8086",
    organization: "fleet",
    bucket: "telemetry",
    tokenSecretArn: TOKEN_SECRET_ARN,
  },
  streamShards: undefined,
};
const TIMESTREAM: TelemetryConfig = {
  store: { kind: "timestream", memoryStoreRetentionHours: 12, magneticStoreRetentionDays: 730 },
  streamShards: 4,
};

async function deployTelemetry(config: TelemetryConfig): Promise<StackRun<void>> {
  return runStack(
    async () => {
      const { telemetry } = await import("../../stacks/telemetry.ts");
      telemetry({ config });
    },
    { stage: "dev" },
  );
}

/** The ingest role's statements, without the one writing to its own log group. */
function ingestGrants(stack: StackRun<void>): IamStatement[] {
  const logGroup = stack.one(LOG_GROUP, "TelemetryIngestLogGroup");
  const ownLogs = `${arn("logs", `log-group:${logGroup.inputs.name}`)}:*`;
  return permissionStatements([stack.one(ROLE, "TelemetryIngestRole")]).filter(
    (statement) => !statement.resources.includes(ownLogs),
  );
}

function ownEnvironment(fn: RegisteredResource): Record<string, string> {
  // SST adds its own SST_* variables (resource linking) to every function.
  return Object.fromEntries(
    Object.entries(fn.inputs.environment.variables as Record<string, string>).filter(
      ([key]) => !key.startsWith("SST_"),
    ),
  );
}

const STREAM_READ = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];

describe("telemetry stack", () => {
  afterAll(stopStackHarness);

  describe("with Timestream for InfluxDB (the default store)", () => {
    let stack: StackRun<void>;
    let rule: RegisteredResource;
    let fn: RegisteredResource;

    beforeAll(async () => {
      stack = await deployTelemetry(INFLUXDB);
      rule = stack.one("aws:iot/topicRule:TopicRule");
      fn = stack.one(LAMBDA_FUNCTION, "TelemetryIngestFunction");
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("selects every device's telemetry topic with core's SQL, adding thing and receive time", () => {
      expect(TELEMETRY_TOPIC_FILTER).toBe("dt/+/telemetry");
      expect(rule.inputs).toMatchObject({
        name: "fleet_dev_telemetry",
        enabled: true,
        sql: "SELECT *, topic(2) AS thing, timestamp() AS receivedAt FROM 'dt/+/telemetry'",
        sqlVersion: "2016-03-23",
      });
      expect(rule.inputs.sql).toBe(TELEMETRY_RULE_SQL);
    });

    it("puts each message on the stream keyed by the thing from the topic", () => {
      const role = stack.one(ROLE, "TelemetryRuleStreamRole");

      expect(rule.inputs.kineses).toEqual([
        {
          streamName: names.telemetryStreamName,
          partitionKey: "${topic(2)}",
          roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`,
        },
      ]);
      expect(rule.inputs.lambdas).toBeUndefined();
    });

    it("lets the rule put records on this stream only, through a role only the rule can assume", () => {
      const role = stack.one(ROLE, "TelemetryRuleStreamRole");

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
      expect(
        permissionStatements(stack.resources).filter(
          (s) => s.owner === "TelemetryRuleStreamPolicy",
        ),
      ).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["kinesis:PutRecord"],
          resources: [streamArn],
        }),
      ]);
    });

    it("logs messages the rule fails to deliver, through a role allowed only that log group", () => {
      const logGroup = stack.one(LOG_GROUP, "TelemetryRuleErrorLogGroup");
      const role = stack.one(ROLE, "TelemetryRuleErrorRole");

      expect(logGroup.inputs).toMatchObject({
        name: "/aws/iot/rules/fleet_dev_telemetry/errors",
        retentionInDays: 30,
      });
      expect(rule.inputs.errorAction).toEqual({
        cloudwatchLogs: {
          logGroupName: logGroup.inputs.name,
          roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`,
        },
      });
      expect(trustStatements(role)[0]?.conditions).toEqual({
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
        ArnLike: { "aws:SourceArn": ruleArn },
      });
      expect(
        permissionStatements(stack.resources).filter((s) => s.owner === "TelemetryRuleErrorPolicy"),
      ).toEqual([
        expect.objectContaining({
          actions: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          resources: [`${arn("logs", `log-group:${logGroup.inputs.name}`)}:*`],
        }),
      ]);
    });

    it("creates an on-demand stream encrypted at rest, kept for 24 hours", () => {
      expect(stack.one("aws:kinesis/stream:Stream").inputs).toEqual({
        name: "fleet-dev-telemetry",
        streamModeDetails: { streamMode: "ON_DEMAND" },
        retentionPeriod: 24,
        encryptionType: "KMS",
        kmsKeyId: "alias/aws/kinesis",
      });
    });

    it("feeds the ingest function with partial batch responses, bounded retries and an on-failure queue", () => {
      expect(stack.one(MAPPING).inputs).toEqual({
        eventSourceArn: streamArn,
        functionName: fn.inputs.name,
        startingPosition: "TRIM_HORIZON",
        batchSize: 500,
        maximumBatchingWindowInSeconds: 1,
        parallelizationFactor: 2,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumRetryAttempts: 100,
        maximumRecordAgeInSeconds: 6 * 60 * 60,
        destinationConfig: { onFailure: { destinationArn: failureQueueArn } },
      });
    });

    it("keeps dead letters and abandoned batches 14 days in separate encrypted queues", () => {
      const byName = Object.fromEntries(stack.ofType(QUEUE).map((q) => [q.inputs.name, q.inputs]));

      expect(byName).toEqual({
        "fleet-dev-telemetry-dead-letters": expect.objectContaining({
          sqsManagedSseEnabled: true,
          messageRetentionSeconds: 1_209_600,
        }),
        "fleet-dev-telemetry-ingest-failures": expect.objectContaining({
          sqsManagedSseEnabled: true,
          messageRetentionSeconds: 1_209_600,
        }),
      });
      expect(names.telemetryDeadLetterQueueName).toBe("fleet-dev-telemetry-dead-letters");
    });

    it("builds the ingest handler for Node.js 24 on arm64 with the variables it reads", () => {
      expect(stack.builds).toEqual([
        expect.objectContaining({
          functionID: "TelemetryIngest",
          handler: "packages/functions/src/handlers/telemetry-ingest.handler",
          runtime: "nodejs24.x",
        }),
      ]);
      expect(fn.inputs).toMatchObject({
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        timeout: 60,
      });
      expect(ownEnvironment(fn)).toEqual({
        POWERTOOLS_SERVICE_NAME: "telemetry-ingest",
        POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
        DEAD_LETTER_QUEUE_URL: queueUrl("fleet-dev-telemetry-dead-letters"),
        TELEMETRY_STORE: "influxdb",
        INFLUXDB_URL: "https://abc123.eu-west-1.timestream-influxdb.amazonaws.com:8086",
        INFLUXDB_ORG: "fleet",
        INFLUXDB_BUCKET: "telemetry",
        INFLUXDB_TOKEN_SECRET_ARN: TOKEN_SECRET_ARN,
      });
    });

    it("lets the function read the stream, send to the two queues and read the token secret, nothing else", () => {
      const role = stack.one(ROLE, "TelemetryIngestRole");

      expect(role.inputs.managedPolicyArns).toEqual([]);
      expect(trustStatements(role).map((s) => s.principals)).toEqual([
        { Service: ["lambda.amazonaws.com"] },
      ]);
      expect(ingestGrants(stack)).toEqual([
        expect.objectContaining({ effect: "Allow", actions: STREAM_READ, resources: [streamArn] }),
        expect.objectContaining({ actions: ["sqs:SendMessage"], resources: [deadLetterQueueArn] }),
        expect.objectContaining({ actions: ["sqs:SendMessage"], resources: [failureQueueArn] }),
        expect.objectContaining({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [TOKEN_SECRET_ARN],
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

    it("creates no Timestream database", () => {
      expect(stack.ofType("aws:timestreamwrite/database:Database")).toEqual([]);
      expect(stack.ofType("aws:timestreamwrite/table:Table")).toEqual([]);
    });

    it("publishes the InfluxDB endpoint settings, not the token, for readers", () => {
      const parameter = stack.one("aws:ssm/parameter:Parameter");

      expect(parameter.inputs).toMatchObject({
        name: "/fleet/dev/telemetry-store",
        type: "String",
      });
      expect(
        TelemetryStoreSettingsSchema.parse(JSON.parse(parameter.inputs.insecureValue)),
      ).toEqual({
        kind: "influxdb",
        url: "https://abc123.eu-west-1.timestream-influxdb.amazonaws.com:8086",
        organization: "fleet",
        bucket: "telemetry",
        tokenSecretArn: TOKEN_SECRET_ARN,
      });
    });
  });

  describe("with Timestream for LiveAnalytics and a provisioned stream", () => {
    let stack: StackRun<void>;
    const tableArn = arn("timestream", `database/${names.timestreamDatabaseName}/table/telemetry`);

    beforeAll(async () => {
      stack = await deployTelemetry(TIMESTREAM);
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("creates a provisioned stream with the configured shard count", () => {
      expect(stack.one("aws:kinesis/stream:Stream").inputs).toMatchObject({
        streamModeDetails: { streamMode: "PROVISIONED" },
        shardCount: 4,
      });
    });

    it("creates the stage's database and table with the configured retention", () => {
      expect(stack.one("aws:timestreamwrite/database:Database").inputs).toEqual({
        databaseName: "fleet-dev",
      });
      expect(stack.one("aws:timestreamwrite/table:Table").inputs).toEqual({
        databaseName: "fleet-dev",
        tableName: "telemetry",
        retentionProperties: {
          memoryStoreRetentionPeriodInHours: 12,
          magneticStoreRetentionPeriodInDays: 730,
        },
        // Replayed offline buffers carry times older than the memory store keeps.
        magneticStoreWriteProperties: { enableMagneticStoreWrites: true },
      });
    });

    it("points the function at the table, and only the table", () => {
      const fn = stack.one(LAMBDA_FUNCTION, "TelemetryIngestFunction");

      expect(ownEnvironment(fn)).toEqual({
        POWERTOOLS_SERVICE_NAME: "telemetry-ingest",
        POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
        DEAD_LETTER_QUEUE_URL: queueUrl("fleet-dev-telemetry-dead-letters"),
        TELEMETRY_STORE: "timestream",
        TIMESTREAM_DATABASE: "fleet-dev",
        TIMESTREAM_TABLE: "telemetry",
      });
    });

    it("lets the function write records to the table, and discover the endpoint (which has no resource)", () => {
      expect(ingestGrants(stack)).toEqual([
        expect.objectContaining({ actions: STREAM_READ, resources: [streamArn] }),
        expect.objectContaining({ actions: ["sqs:SendMessage"], resources: [deadLetterQueueArn] }),
        expect.objectContaining({ actions: ["sqs:SendMessage"], resources: [failureQueueArn] }),
        expect.objectContaining({ actions: ["timestream:WriteRecords"], resources: [tableArn] }),
        expect.objectContaining({ actions: ["timestream:DescribeEndpoints"], resources: ["*"] }),
      ]);
      const unscoped = permissionStatements(stack.resources).filter((s) =>
        s.resources.includes("*"),
      );
      expect(unscoped.map((s) => s.actions)).toEqual([["timestream:DescribeEndpoints"]]);
    });

    it("publishes the database and table for readers", () => {
      const parameter = stack.one("aws:ssm/parameter:Parameter");

      expect(JSON.parse(parameter.inputs.insecureValue)).toEqual({
        kind: "timestream",
        database: "fleet-dev",
        table: "telemetry",
      });
    });
  });
});
