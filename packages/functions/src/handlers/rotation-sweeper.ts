import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { rotationModule, type SweepSummary } from "@fleet/core";
import middy from "@middy/core";
import { awsRotationPorts } from "../aws-ports/rotation-ports.ts";
import { readEnv } from "../env.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the EventBridge schedule (every 5 minutes, stacks/certificates.ts). Ends the
 * rotations past their deadline (createSweepRotations): their new certificate is retired and
 * their job execution canceled; the device keeps its old certificate.
 */

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { sweep: sweepRotations } = rotationModule(awsRotationPorts(useCaseLogger(logger)));

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
