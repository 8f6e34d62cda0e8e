import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { createSweepRotations, type SweepSummary } from "@fleet/core";
import {
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  createDynamoDbClient,
  createIotClient,
  DynamoDbRotationStore,
  IotDeviceRegistry,
  IotJobStarter,
} from "@fleet/core/adapters/aws";
import middy from "@middy/core";
import { z } from "zod";
import { readEnv } from "../env.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the EventBridge schedule (every 5 minutes, stacks/certificates.ts). Ends the
 * rotations past their deadline (createSweepRotations): their new certificate is retired and
 * their job execution canceled; the device keeps its old certificate.
 */

const env = readEnv(
  z.object({
    POWERTOOLS_SERVICE_NAME: z.string().min(1),
    POWERTOOLS_METRICS_NAMESPACE: z.string().min(1),
    ROTATION_TABLE: z.string().min(1),
    THING_GROUP_NAME: z.string().min(1),
    CA_ARN: z.string().min(1),
    CA_CERTIFICATE_PEM: z.string().includes("BEGIN CERTIFICATE"),
  }),
);

const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME });
const metrics = new Metrics({
  namespace: env.POWERTOOLS_METRICS_NAMESPACE,
  serviceName: env.POWERTOOLS_SERVICE_NAME,
});
const iot = createIotClient();

const sweepRotations = createSweepRotations({
  rotations: new DynamoDbRotationStore({
    dynamo: createDynamoDbClient(),
    tableName: env.ROTATION_TABLE,
  }),
  registry: new IotDeviceRegistry({ iot, thingGroupName: env.THING_GROUP_NAME }),
  jobs: new IotJobStarter({ iot }),
  revoker: new AcmPcaCertificateRevoker({
    pca: createAcmPcaClient(),
    certificateAuthorityArn: env.CA_ARN,
    caCertificatePem: env.CA_CERTIFICATE_PEM,
  }),
  clock: () => new Date(),
  logger: useCaseLogger(logger),
});

export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (): Promise<SweepSummary> => {
    const summary = await sweepRotations();
    metrics.addMetric("RotationsTimedOut", MetricUnit.Count, summary.timedOut.length);
    metrics.addMetric("RotationSweepFailures", MetricUnit.Count, summary.failures.length);
    logger.info("rotations swept", {
      active: summary.active,
      timedOut: summary.timedOut.length,
      failed: summary.failures.length,
    });
    if (summary.failures.length > 0)
      logger.error("rotations not swept", { failures: summary.failures });
    return summary;
  });
