import {
  stageResourceNames,
  TELEMETRY_RULE_SQL,
  TELEMETRY_RULE_SQL_VERSION,
  type TelemetryStoreSettings,
  TelemetryStoreSettingsSchema,
  TIMESTREAM_TABLE_NAME,
  TIMESTREAM_THING_DIMENSION,
  telemetryStoreVariables,
} from "@fleet/core/contracts";
import { iotRuleRole } from "./iot-rule-role.ts";
import { iotRuleErrorLog } from "./iot-topic-rule.ts";
import { type LambdaFunction, lambdaFunction } from "./lambda-function.ts";
import type { TelemetryConfig } from "./telemetry-config.ts";
import { type IngestNetwork, ingestNetwork } from "./telemetry-network.ts";

export interface TelemetryArgs {
  /** Store and stream settings (`telemetryConfigFromEnv()` in sst.config.ts). */
  config: TelemetryConfig;
}

export interface Telemetry {
  stream: aws.kinesis.Stream;
  rule: aws.iot.TopicRule;
  ruleErrorLogGroup: aws.cloudwatch.LogGroup;
  ingest: LambdaFunction;
  ingestMapping: aws.lambda.EventSourceMapping;
  /** Messages the ingest refused (contract violations, records the store rejected). */
  deadLetterQueue: aws.sqs.Queue;
  /** Where Lambda reports batches it gave up on (shard and sequence range, not the data). */
  ingestFailureQueue: aws.sqs.Queue;
  /** `TelemetryStoreSettings` JSON for readers (`fleet telemetry query --stage`). */
  storeParameter: aws.ssm.Parameter;
  timestream?: {
    database: aws.timestreamwrite.Database;
    table: aws.timestreamwrite.Table;
    /** Where the magnetic store reports the records it rejects after accepting the write. */
    rejectedRecords: sst.aws.Bucket;
  };
}

/**
 * 24 hours, Kinesis's minimum (and the price floor): enough to re-read a batch reported to the
 * failure queue, since it is dropped at `MAX_RECORD_AGE_SECONDS` (6 h), at least 18 h earlier.
 */
const STREAM_RETENTION_HOURS = 24;
/** SQS's maximum: dead letters wait for an operator, who may be away for a long weekend. */
const QUEUE_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * The event source mapping, set deliberately (Lambda's defaults retry a failing batch forever):
 * - batches of up to 500 records (~1 KB each) or 1 s of traffic, whichever comes first: few
 *   invocations, and grouping by thing fills the store's 100-record writes;
 * - two batches per shard at once (records of one thing stay in order, as Lambda keeps
 *   partition keys on one lane);
 * - the handler reports failed records (`batchItemFailures`), so only they are retried;
 *   a thrown error bisects the batch to isolate what breaks it;
 * - contract violations never fail (they are dead-lettered), so what is retried is a store
 *   outage: up to 100 attempts or 6 hours, then the batch's shard and sequence range go to
 *   the failure queue, for a replay within the stream's 24 h retention;
 * - TRIM_HORIZON: records written before the mapping exists (first deploy, or a replaced
 *   mapping) are read too, where LATEST would skip them.
 */
const INGEST_MAPPING = {
  startingPosition: "TRIM_HORIZON",
  batchSize: 500,
  maximumBatchingWindowInSeconds: 1,
  parallelizationFactor: 2,
  bisectBatchOnFunctionError: true,
  functionResponseTypes: ["ReportBatchItemFailures"],
  maximumRetryAttempts: 100,
  maximumRecordAgeInSeconds: 6 * 60 * 60,
} satisfies Partial<aws.lambda.EventSourceMappingArgs>;

/**
 * Device telemetry, from the MQTT topic to the time-series store:
 * - an IoT topic rule on `dt/+/telemetry` (core's SQL adds the thing and the receive time)
 *   putting each message on a Kinesis stream, keyed by thing so a device's messages stay in
 *   order; messages it fails to deliver are logged to a log group;
 * - the ingest function, fed by the stream (settings above), writing to the configured store:
 *   Timestream for LiveAnalytics (database and table created here) or Timestream for InfluxDB
 *   (an instance the operator runs; see stacks/telemetry-config.ts), reached from inside its
 *   VPC or over the internet (stacks/telemetry-network.ts);
 * - the dead-letter queue for refused messages and the failure queue for abandoned batches;
 * - an SSM parameter telling readers which store the stage uses.
 * Every role may do only its part: the rule may put records on this stream, the function may
 * read this stream, write to this table (or read the token secret) and send to the two queues.
 */
export function telemetry(args: TelemetryArgs): Telemetry {
  const { config } = args;
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const names = stageResourceNames($app.stage);
  const prefix = `${$app.name}-${$app.stage}`;

  const stream = new aws.kinesis.Stream("TelemetryStream", {
    name: names.telemetryStreamName,
    streamModeDetails: { streamMode: config.streamShards ? "PROVISIONED" : "ON_DEMAND" },
    ...(config.streamShards ? { shardCount: config.streamShards } : {}),
    retentionPeriod: STREAM_RETENTION_HOURS,
    // The AWS managed key: producers and consumers need no KMS permission for it.
    encryptionType: "KMS",
    kmsKeyId: "alias/aws/kinesis",
  });

  const queue = (name: string, queueName: string) =>
    new aws.sqs.Queue(name, {
      name: queueName,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
    });
  const deadLetterQueue = queue("TelemetryDeadLetterQueue", names.telemetryDeadLetterQueueName);
  // Not the dead-letter queue: Lambda's failure records are a different message shape.
  const ingestFailureQueue = queue(
    "TelemetryIngestFailureQueue",
    `${prefix}-telemetry-ingest-failures`,
  );

  const ruleArn = $interpolate`arn:${partition}:iot:${region}:${accountId}:rule/${names.telemetryRuleName}`;
  const streamRole = iotRuleRole("TelemetryRuleStream", {
    ruleArn,
    accountId,
    // The Kinesis rule action calls PutRecord, one message at a time.
    actions: ["kinesis:PutRecord"],
    resources: [stream.arn],
  });
  const { logGroup: ruleErrorLogGroup, errorAction } = iotRuleErrorLog("TelemetryRule", {
    ruleName: names.telemetryRuleName,
    ruleArn,
    accountId,
  });

  const rule = new aws.iot.TopicRule("TelemetryRule", {
    name: names.telemetryRuleName,
    description: "Device telemetry (dt/{thing}/telemetry) to the telemetry stream",
    enabled: true,
    sql: TELEMETRY_RULE_SQL,
    sqlVersion: TELEMETRY_RULE_SQL_VERSION,
    kineses: [
      {
        streamName: stream.name,
        // An IoT substitution template, not a JS template: the thing, from the topic.
        partitionKey: "${topic(2)}",
        roleArn: streamRole.arn,
      },
    ],
    errorAction,
  });

  const store = telemetryStore(config, names.timestreamDatabaseName);
  const network: IngestNetwork =
    config.store.kind === "influxdb" ? ingestNetwork(config.store.network) : { permissions: [] };

  const ingest = lambdaFunction("TelemetryIngest", {
    handler: "telemetry-ingest",
    // A 500-record batch takes a few seconds of store writes; the rest is room for retries
    // inside the SDK before the batch is handed back to Lambda.
    timeout: "1 minute",
    memory: "512 MB",
    ...(network.vpc ? { vpc: network.vpc } : {}),
    environment: {
      POWERTOOLS_SERVICE_NAME: "telemetry-ingest",
      POWERTOOLS_METRICS_NAMESPACE: `${$app.name}/${$app.stage}`,
      DEAD_LETTER_QUEUE_URL: deadLetterQueue.url,
      ...store.environment,
    },
    permissions: [
      {
        // What a Lambda event source mapping needs to read a stream (no enhanced fan-out).
        actions: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        resources: [stream.arn],
      },
      // SendMessageBatch is authorised as SendMessage. The failure queue is written by Lambda
      // with the function's role.
      { actions: ["sqs:SendMessage"], resources: [deadLetterQueue.arn] },
      { actions: ["sqs:SendMessage"], resources: [ingestFailureQueue.arn] },
      ...store.permissions,
      ...network.permissions,
    ],
  });

  const ingestMapping = new aws.lambda.EventSourceMapping("TelemetryIngestMapping", {
    eventSourceArn: stream.arn,
    functionName: ingest.fn.name,
    ...INGEST_MAPPING,
    destinationConfig: { onFailure: { destinationArn: ingestFailureQueue.arn } },
  });

  const storeParameter = new aws.ssm.Parameter("TelemetryStoreParameter", {
    name: names.telemetryStoreParameter,
    description: `Telemetry store of ${$app.name} (${$app.stage})`,
    type: "String",
    // Names and a secret's ARN, no secret: readable in the state and the console.
    insecureValue: $output(store.settings).apply((settings) =>
      // Published in the contract's shape, checked here rather than by the first reader.
      JSON.stringify(TelemetryStoreSettingsSchema.parse(settings)),
    ),
  });

  return {
    stream,
    rule,
    ruleErrorLogGroup,
    ingest,
    ingestMapping,
    deadLetterQueue,
    ingestFailureQueue,
    storeParameter,
    ...(store.timestream ? { timestream: store.timestream } : {}),
  };
}

interface StoreResources {
  settings: $util.Input<TelemetryStoreSettings>;
  /** The ingest function's variables naming its store. */
  environment: Record<string, $util.Input<string>>;
  permissions: sst.aws.FunctionPermissionArgs[];
  timestream?: Telemetry["timestream"];
}

function telemetryStore(config: TelemetryConfig, databaseName: string): StoreResources {
  const { store } = config;
  if (store.kind === "influxdb") {
    const settings: TelemetryStoreSettings = {
      kind: "influxdb",
      url: store.url,
      organization: store.organization,
      bucket: store.bucket,
      tokenSecretArn: store.tokenSecretArn,
    };
    return {
      settings,
      environment: telemetryStoreVariables(settings),
      permissions: [
        { actions: ["secretsmanager:GetSecretValue"], resources: [store.tokenSecretArn] },
      ],
    };
  }

  const database = new aws.timestreamwrite.Database("TelemetryDatabase", { databaseName });
  const rejectedRecords = rejectedRecordsBucket();
  const table = new aws.timestreamwrite.Table("TelemetryTable", {
    databaseName: database.databaseName,
    tableName: TIMESTREAM_TABLE_NAME,
    retentionProperties: {
      memoryStoreRetentionPeriodInHours: store.memoryStoreRetentionHours,
      magneticStoreRetentionPeriodInDays: store.magneticStoreRetentionDays,
    },
    // One MULTI record a message, all under measure_name `telemetry`: partitioning on the
    // measure name (the default) would not tell records apart, so the table is partitioned by
    // the device, which every dashboard and `fleet telemetry query` filter on (developer guide,
    // "Customer-defined partition keys"). Timestream sets a partition key at table creation
    // only; UpdateTable can change its enforcement, not the key.
    schema: {
      compositePartitionKey: {
        type: "DIMENSION",
        name: TIMESTREAM_THING_DIMENSION,
        enforcementInRecord: "REQUIRED",
      },
    },
    // A device replays its offline buffer with the original times: records older than the
    // memory store's retention are accepted by the magnetic store instead of rejected.
    // The magnetic store rejects some records after WriteRecords has answered (a redelivered
    // record whose version is not higher than the stored one): without a location, those
    // rejections are lost silently (Timestream developer guide, "Handling rejected records").
    magneticStoreWriteProperties: {
      enableMagneticStoreWrites: true,
      magneticStoreRejectedDataLocation: {
        s3Configuration: {
          bucketName: rejectedRecords.name,
          objectKeyPrefix: MAGNETIC_STORE_REJECTIONS_PREFIX,
          // As the bucket's default encryption; SSE_KMS would need a key grant for Timestream.
          encryptionOption: "SSE_S3",
        },
      },
    },
  });
  return {
    settings: $resolve({ database: database.databaseName, table: table.tableName }).apply(
      (resolved) => ({ kind: "timestream" as const, ...resolved }),
    ),
    environment: telemetryStoreVariables({
      kind: "timestream",
      database: database.databaseName,
      table: table.tableName,
    }),
    permissions: [
      { actions: ["timestream:WriteRecords"], resources: [table.arn] },
      // The SDK discovers the regional write endpoint first; this action has no resource.
      { actions: ["timestream:DescribeEndpoints"], resources: ["*"] },
    ],
    timestream: { database, table, rejectedRecords },
  };
}

/** Key prefix of the magnetic store's rejection reports in the rejected-records bucket. */
export const MAGNETIC_STORE_REJECTIONS_PREFIX = "magnetic-store-rejections/";

/**
 * Where Timestream writes the magnetic store's rejection reports: a private bucket (no public
 * access, HTTPS only, SSE-S3 by default, as stacks/private-bucket.ts) that no function reads;
 * an operator reads the reports with the console or the CLI, so no function role gets access.
 */
function rejectedRecordsBucket(): sst.aws.Bucket {
  const bucket = new sst.aws.Bucket("TelemetryRejectedRecords", {
    enforceHttps: true,
    cors: false,
  });
  new aws.s3.BucketServerSideEncryptionConfiguration("TelemetryRejectedRecordsEncryption", {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  return bucket;
}
