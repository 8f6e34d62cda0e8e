import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { telemetryModule } from "@fleet/core";
import { ingestRecordsFromKinesis, kinesisBatchResponse } from "@fleet/core/adapters/aws";
import middy from "@middy/core";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { awsTelemetryPorts } from "../aws-ports/telemetry-ports.ts";
import { readEnv } from "../env.ts";
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

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { ingest } = telemetryModule(await awsTelemetryPorts(useCaseLogger(logger)));

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
