import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { createSweepRotations, type SweepSummary } from "@fleet/core";
import { createIotClient, IotDeviceRegistry } from "@fleet/core/adapters/aws";
import middy from "@middy/core";
import { controlPlane } from "../control-plane.ts";
import { readEnv } from "../env.ts";
import { powertools } from "../powertools.ts";
import {
  RotationEnvSchema,
  RotationJobEnvSchema,
  rotationBackend,
  rotationJobStarter,
} from "../rotation-backend.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the EventBridge schedule (every 5 minutes, stacks/certificates.ts). Ends the
 * rotations past their deadline (createSweepRotations): their new certificate is retired and
 * their job execution canceled; the device keeps its old certificate.
 */

const env = readEnv(RotationEnvSchema.extend(RotationJobEnvSchema.shape));

const { logger, metrics } = powertools(env);
const throttle = controlPlane(env);
const iot = createIotClient();

const sweepRotations = createSweepRotations({
  ...rotationBackend(env, throttle),
  registry: throttle(new IotDeviceRegistry({ iot, thingGroupName: env.THING_GROUP_NAME })),
  jobs: throttle(rotationJobStarter(env, iot)),
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
