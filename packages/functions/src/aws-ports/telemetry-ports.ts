import { SQSClient } from "@aws-sdk/client-sqs";
import type { TelemetryPorts, UseCaseLogger } from "@fleet/core";
import { AWS_CLIENT_RETRY, openTelemetryStore, SqsDeadLetterSink } from "@fleet/core/adapters/aws";
import { TelemetryStoreEnvSchema, telemetryStoreSettingsFromEnv } from "@fleet/core/contracts";
import * as z from "zod";
import { readEnv } from "../env.ts";

/**
 * The telemetry module's AWS ports: the stage's store (Timestream or Timestream for InfluxDB,
 * as its variables name it; an InfluxDB token is read from Secrets Manager now, at cold start)
 * and the dead-letter queue.
 */
export async function awsTelemetryPorts(logger: UseCaseLogger): Promise<TelemetryPorts> {
  const env = readEnv(z.object({ DEAD_LETTER_QUEUE_URL: z.url() }));
  const settings = telemetryStoreSettingsFromEnv(readEnv(TelemetryStoreEnvSchema));
  return {
    store: await openTelemetryStore(settings),
    deadLetters: new SqsDeadLetterSink({
      sqs: new SQSClient({ ...AWS_CLIENT_RETRY }),
      queueUrl: env.DEAD_LETTER_QUEUE_URL,
    }),
    clock: () => new Date(),
    logger,
  };
}
