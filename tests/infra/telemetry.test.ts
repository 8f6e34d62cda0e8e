import {
  stageResourceNames,
  TELEMETRY_RULE_SQL,
  TELEMETRY_TOPIC_FILTER,
  TelemetryStoreSettingsSchema,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  InfluxDbNetwork,
  TelemetryConfig,
  TelemetryStoreConfig,
} from "../../stacks/telemetry-config.ts";
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
// The endpoint form AWS documents for instances created since 2024-12-09.
const INFLUXDB_URL = "https://c5vasdqn0b-3ksj4dla5nfjhi.timestream-influxdb.eu-west-1.on.aws:8086";
const VPC_ID = "vpc-0a1b2c3d4e5f60718";
const SUBNET_IDS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"];
const INSTANCE_SECURITY_GROUP_ID = "sg-0a1b2c3d4e5f60719";

const INFLUXDB: TelemetryConfig = {
  store: {
    kind: "influxdb",
    url: INFLUXDB_URL,
    organization: "fleet",
    bucket: "telemetry",
    tokenSecretArn: TOKEN_SECRET_ARN,
    network: {
      kind: "vpc",
      vpcId: VPC_ID,
      subnetIds: SUBNET_IDS,
      instanceSecurityGroupId: INSTANCE_SECURITY_GROUP_ID,
      serviceEndpoints: "create",
    },
  },
  streamShards: undefined,
};
const withNetwork = (network: InfluxDbNetwork): TelemetryConfig => ({
  ...INFLUXDB,
  store: { ...(INFLUXDB.store as Extract<TelemetryStoreConfig, { kind: "influxdb" }>), network },
});
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

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
// The mocks give a resource the id `<name>-id`.
const INGEST_SECURITY_GROUP_ID = "TelemetryIngestSecurityGroup-id";
const ENDPOINT_GROUP_ID = "TelemetryEndpointSecurityGroup-id";

/**
 * What Lambda needs to manage a VPC function's network interfaces, scoped as the Service
 * Authorization Reference allows: CreateNetworkInterface on the interface, the subnets and the
 * security group; Delete/Assign/Unassign on network interfaces; the describes on "*" only.
 */
const NETWORK_INTERFACE_GRANTS = [
  expect.objectContaining({
    actions: ["ec2:CreateNetworkInterface"],
    resources: [
      arn("ec2", "network-interface/*"),
      ...SUBNET_IDS.map((id) => arn("ec2", `subnet/${id}`)),
      arn("ec2", `security-group/${INGEST_SECURITY_GROUP_ID}`),
    ],
  }),
  expect.objectContaining({
    actions: [
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ],
    resources: [arn("ec2", "network-interface/*")],
  }),
  expect.objectContaining({
    actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
    resources: ["*"],
  }),
];

interface SecurityGroupRule {
  type: "ingress" | "egress";
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  /** The security group or CIDR on the other side. */
  peer: string;
}

/** The rules the stack adds to one security group (its own or the operator's). */
function rulesOf(stack: StackRun<void>, securityGroupId: string): SecurityGroupRule[] {
  return [
    ...stack.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((rule) => ({
      rule,
      type: "ingress" as const,
    })),
    ...stack.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((rule) => ({
      rule,
      type: "egress" as const,
    })),
  ]
    .filter(({ rule }) => rule.inputs.securityGroupId === securityGroupId)
    .map(({ rule, type }) => ({
      type,
      ipProtocol: rule.inputs.ipProtocol,
      fromPort: rule.inputs.fromPort,
      toPort: rule.inputs.toPort,
      peer: rule.inputs.referencedSecurityGroupId ?? rule.inputs.cidrIpv4,
    }));
}

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
          resources: [
            arn("logs", `log-group:${logGroup.inputs.name}`),
            `${arn("logs", `log-group:${logGroup.inputs.name}`)}:*`,
          ],
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
        INFLUXDB_URL: INFLUXDB_URL,
        INFLUXDB_ORG: "fleet",
        INFLUXDB_BUCKET: "telemetry",
        INFLUXDB_TOKEN_SECRET_ARN: TOKEN_SECRET_ARN,
      });
    });

    it("lets the function read the stream, send to the two queues, read the token secret and manage its network interfaces, nothing else", () => {
      const role = stack.one(ROLE, "TelemetryIngestRole");

      // Not AWSLambdaVPCAccessExecutionRole, which SST attaches to a VPC function: it grants
      // the EC2 actions on "*".
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
        ...NETWORK_INTERFACE_GRANTS,
      ]);
    });

    it("grants no wildcard action, and no unscoped resource beyond the EC2 describes", () => {
      const statements = permissionStatements(stack.resources);

      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        for (const action of statement.actions) expect(action).not.toContain("*");
      }
      expect(statements.filter((s) => s.resources.includes("*")).map((s) => s.actions)).toEqual([
        ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
      ]);
    });

    it("puts the function in the instance's subnets with its own security group", () => {
      const group = stack.one(SECURITY_GROUP, "TelemetryIngestSecurityGroup");

      expect(group.inputs).toMatchObject({
        vpcId: VPC_ID,
        namePrefix: "fleet-dev-telemetry-ingest-",
      });
      // No inline rules: the provider then removes the allow-all egress rule EC2 adds.
      expect(group.inputs.egress).toBeUndefined();
      expect(group.inputs.ingress).toBeUndefined();
      expect(fn.inputs.vpcConfig).toEqual({
        subnetIds: SUBNET_IDS,
        securityGroupIds: [INGEST_SECURITY_GROUP_ID],
      });
    });

    it("lets the function out only to InfluxDB on 8086 and the endpoints on 443, and into the instance on 8086", () => {
      expect(rulesOf(stack, INGEST_SECURITY_GROUP_ID)).toEqual([
        {
          type: "egress",
          ipProtocol: "tcp",
          fromPort: 8086,
          toPort: 8086,
          peer: INSTANCE_SECURITY_GROUP_ID,
        },
        { type: "egress", ipProtocol: "tcp", fromPort: 443, toPort: 443, peer: ENDPOINT_GROUP_ID },
      ]);
      expect(rulesOf(stack, INSTANCE_SECURITY_GROUP_ID)).toEqual([
        {
          type: "ingress",
          ipProtocol: "tcp",
          fromPort: 8086,
          toPort: 8086,
          peer: INGEST_SECURITY_GROUP_ID,
        },
      ]);
      expect(rulesOf(stack, ENDPOINT_GROUP_ID)).toEqual([
        {
          type: "ingress",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          peer: INGEST_SECURITY_GROUP_ID,
        },
      ]);
    });

    it("creates Secrets Manager and SQS interface endpoints with private DNS in the function's subnets", () => {
      const endpoints = stack.ofType(VPC_ENDPOINT).map((endpoint) => endpoint.inputs);

      expect(endpoints).toEqual(
        ["secretsmanager", "sqs"].map((service) => ({
          vpcId: VPC_ID,
          serviceName: `com.amazonaws.${MOCK_REGION}.${service}`,
          vpcEndpointType: "Interface",
          subnetIds: SUBNET_IDS,
          securityGroupIds: [ENDPOINT_GROUP_ID],
          privateDnsEnabled: true,
        })),
      );
      expect(stack.one(SECURITY_GROUP, "TelemetryEndpointSecurityGroup").inputs.vpcId).toBe(VPC_ID);
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
        url: INFLUXDB_URL,
        organization: "fleet",
        bucket: "telemetry",
        tokenSecretArn: TOKEN_SECRET_ARN,
      });
    });
  });

  describe("with InfluxDB in a VPC that already reaches Secrets Manager and SQS", () => {
    let stack: StackRun<void>;

    beforeAll(async () => {
      stack = await deployTelemetry(
        withNetwork({
          kind: "vpc",
          vpcId: VPC_ID,
          subnetIds: SUBNET_IDS,
          instanceSecurityGroupId: INSTANCE_SECURITY_GROUP_ID,
          serviceEndpoints: "existing",
        }),
      );
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("creates no endpoints and lets the function out on 443 to the VPC's own route", () => {
      expect(stack.ofType(VPC_ENDPOINT)).toEqual([]);
      expect(stack.ofType(SECURITY_GROUP).map((group) => group.name)).toEqual([
        "TelemetryIngestSecurityGroup",
      ]);
      expect(rulesOf(stack, INGEST_SECURITY_GROUP_ID)).toEqual([
        {
          type: "egress",
          ipProtocol: "tcp",
          fromPort: 8086,
          toPort: 8086,
          peer: INSTANCE_SECURITY_GROUP_ID,
        },
        { type: "egress", ipProtocol: "tcp", fromPort: 443, toPort: 443, peer: "0.0.0.0/0" },
      ]);
    });
  });

  describe("with a publicly accessible InfluxDB instance", () => {
    let stack: StackRun<void>;

    beforeAll(async () => {
      stack = await deployTelemetry(withNetwork({ kind: "public" }));
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("keeps the function out of any VPC, with no network resources or EC2 permissions", () => {
      const fn = stack.one(LAMBDA_FUNCTION, "TelemetryIngestFunction");

      expect(fn.inputs.vpcConfig).toBeUndefined();
      expect(stack.ofType(SECURITY_GROUP)).toEqual([]);
      expect(stack.ofType(VPC_ENDPOINT)).toEqual([]);
      expect(permissionStatements(stack.resources).flatMap((s) => s.actions)).not.toContainEqual(
        expect.stringMatching(/^ec2:/),
      );
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
      const bucketName = stack.one("aws:s3/bucket:Bucket", "TelemetryRejectedRecordsBucket").inputs
        .bucket;
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
        // One record a message under one measure name: partitioned by the device instead.
        schema: {
          compositePartitionKey: {
            type: "DIMENSION",
            name: "thing",
            enforcementInRecord: "REQUIRED",
          },
        },
        // Replayed offline buffers carry times older than the memory store keeps; what the
        // magnetic store rejects after the write is reported to the bucket, not lost.
        magneticStoreWriteProperties: {
          enableMagneticStoreWrites: true,
          magneticStoreRejectedDataLocation: {
            s3Configuration: {
              bucketName,
              objectKeyPrefix: "magnetic-store-rejections/",
              encryptionOption: "SSE_S3",
            },
          },
        },
      });
    });

    it("reports magnetic-store rejections to a private, SSE-S3 encrypted, TLS-only bucket", () => {
      const bucketName = stack.one("aws:s3/bucket:Bucket", "TelemetryRejectedRecordsBucket").inputs
        .bucket;
      expect(bucketName).toMatch(/^fleet-dev-telemetryrejectedrecords/);
      const bucketArn = `arn:aws:s3:::${bucketName}`;
      expect(
        stack.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).inputs,
      ).toEqual({
        bucket: bucketName,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
      expect(stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toEqual({
        bucket: bucketName,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        JSON.parse(stack.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy).Statement,
      ).toEqual([
        {
          Effect: "Deny",
          Principal: { "*": "*" },
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
      // Only Timestream writes there and only an operator reads: no function is granted it.
      const s3Grants = permissionStatements(stack.resources).filter((statement) =>
        statement.actions.some((action) => action.startsWith("s3:")),
      );
      expect(s3Grants).toEqual([]);
    });

    it("points the function at the table, and only the table", () => {
      const fn = stack.one(LAMBDA_FUNCTION, "TelemetryIngestFunction");

      // Timestream is an AWS API: no VPC to join.
      expect(fn.inputs.vpcConfig).toBeUndefined();
      expect(stack.ofType(SECURITY_GROUP)).toEqual([]);

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
