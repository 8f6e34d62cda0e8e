import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import { createIngestTelemetry, type TelemetryStore } from "@fleet/core";
import {
  AWS_CLIENT_RETRY,
  InfluxDbTelemetryStore,
  ingestRecordsFromKinesis,
  kinesisBatchResponse,
  SqsDeadLetterSink,
  TimestreamTelemetryStore,
} from "@fleet/core/adapters/aws";
import middy from "@middy/core";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import * as z from "zod";
import { readEnv } from "../env.ts";
import { FunctionError } from "../errors.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the event source mapping on the telemetry stream (stacks/telemetry.ts), with
 * `ReportBatchItemFailures`. Writes each batch to the stage's store (Timestream or Timestream
 * for InfluxDB, chosen by `TELEMETRY_STORE`); invalid messages go to the dead-letter queue.
 * Only records that failed transiently are reported back, so Lambda retries from the first of
 * them and never re-runs the whole batch for one bad message.
 *
 * No parser middleware: Powertools' Kinesis schema decodes `data` to a string (and gunzips),
 * which would lose the exact bytes a dead letter keeps. The records are decoded by
 * `ingestRecordsFromKinesis`, the same code the sandbox's stream poller uses, and every
 * message is validated with zod inside the use case.
 */

const env = readEnv(
  PowertoolsEnvSchema.extend({
    DEAD_LETTER_QUEUE_URL: z.url(),
    TELEMETRY_STORE: z.enum(["timestream", "influxdb"]),
  }),
);

const { logger, metrics } = powertools(env);

function timestreamStore(): TelemetryStore {
  const { TIMESTREAM_DATABASE, TIMESTREAM_TABLE } = readEnv(
    z.object({ TIMESTREAM_DATABASE: z.string().min(1), TIMESTREAM_TABLE: z.string().min(1) }),
  );
  // The write client discovers its regional endpoint itself (DescribeEndpoints, cached).
  return new TimestreamTelemetryStore({
    client: new TimestreamWriteClient({ ...AWS_CLIENT_RETRY }),
    database: TIMESTREAM_DATABASE,
    table: TIMESTREAM_TABLE,
  });
}

/** The API token is read once per cold start from Secrets Manager, never from the environment. */
async function influxDbStore(): Promise<TelemetryStore> {
  const settings = readEnv(
    z.object({
      // The token travels with every request: TLS only.
      INFLUXDB_URL: z.url({ protocol: /^https$/ }),
      INFLUXDB_ORG: z.string().min(1),
      INFLUXDB_BUCKET: z.string().min(1),
      INFLUXDB_TOKEN_SECRET_ARN: z.string().min(1),
    }),
  );
  const secret = await new SecretsManagerClient({ ...AWS_CLIENT_RETRY }).send(
    new GetSecretValueCommand({ SecretId: settings.INFLUXDB_TOKEN_SECRET_ARN }),
  );
  if (!secret.SecretString) {
    throw new FunctionError(
      `the InfluxDB token secret ${settings.INFLUXDB_TOKEN_SECRET_ARN} holds no SecretString`,
    );
  }
  return new InfluxDbTelemetryStore({
    url: settings.INFLUXDB_URL,
    token: secret.SecretString,
    organization: settings.INFLUXDB_ORG,
    bucket: settings.INFLUXDB_BUCKET,
  });
}

const ingest = createIngestTelemetry({
  store: env.TELEMETRY_STORE === "timestream" ? timestreamStore() : await influxDbStore(),
  deadLetters: new SqsDeadLetterSink({
    sqs: new SQSClient({ ...AWS_CLIENT_RETRY }),
    queueUrl: env.DEAD_LETTER_QUEUE_URL,
  }),
  logger: useCaseLogger(logger),
});

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event): Promise<KinesisStreamBatchResponse> => {
    const result = await ingest(ingestRecordsFromKinesis(event));
    metrics.addMetric("MessagesWritten", MetricUnit.Count, result.written);
    metrics.addMetric("MessagesDeadLettered", MetricUnit.Count, result.deadLettered);
    metrics.addMetric("WriteCalls", MetricUnit.Count, result.writeCalls);
    metrics.addMetric("RecordsRetried", MetricUnit.Count, result.failedIds.length);
    return kinesisBatchResponse(result.failedIds);
  });
