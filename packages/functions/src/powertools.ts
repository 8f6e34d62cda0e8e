import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import * as z from "zod";

/** The variables naming every function's logs and metrics; handlers extend it with their own. */
export const PowertoolsEnvSchema = z.object({
  POWERTOOLS_SERVICE_NAME: z.string().min(1),
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1),
});

/** The function's Powertools logger and metrics, created once at cold start. */
export function powertools(env: z.infer<typeof PowertoolsEnvSchema>): {
  logger: Logger;
  metrics: Metrics;
} {
  return {
    logger: new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME }),
    metrics: new Metrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      serviceName: env.POWERTOOLS_SERVICE_NAME,
    }),
  };
}
