import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { otaModule } from "@fleet/core";
import { JobExecutionEndOperationSchema } from "@fleet/core/contracts";
import middy from "@middy/core";
import * as z from "zod";
import { awsOtaPorts } from "../aws-ports/ota-ports.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the IoT topic rule on the Jobs events `$aws/events/job/+/completed` and
 * `.../canceled`, and the one on the job-execution events that end a fleet job's execution
 * (stacks/ota.ts), one event per invocation. Moves the release the job belongs to on
 * (createAdvanceRelease): canary succeeded → fleet job; aborted; completed (a continuous fleet
 * job once nothing is pending). Jobs that are not a release's (certificate rotations,
 * hand-made jobs) are ignored.
 */

/** Where the rule selects its events: completed and canceled jobs, filtered in its SQL. */
export const JOB_EVENTS_TOPIC_FILTER = "$aws/events/job/+/+";

/** The fields of a Jobs event (AWS IoT developer guide, "Jobs events") this function reads. */
const JobEventSchema = z.discriminatedUnion("eventType", [
  z.object({
    eventType: z.literal("JOB"),
    operation: z.enum(["completed", "canceled"]),
    jobId: z.string().min(1),
  }),
  z.object({
    eventType: z.literal("JOB_EXECUTION"),
    operation: JobExecutionEndOperationSchema,
    jobId: z.string().min(1),
  }),
]);
type JobEvent = z.infer<typeof JobEventSchema>;

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { advance: advanceRelease } = otaModule(awsOtaPorts(useCaseLogger(logger)));

export const handler = middy<ParsedResult<unknown, JobEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: JobEventSchema, safeParse: true }))
  .handler(async (result): Promise<void> => {
    const event = requireParsed(result, JOB_EVENTS_TOPIC_FILTER);
    logger.appendKeys({ jobId: event.jobId });
    const release = await advanceRelease(event.jobId);
    if (release === null) {
      logger.info("job event changes no release", { operation: event.operation });
      return;
    }
    metrics.addDimension("phase", release.phase);
    metrics.addMetric("ReleaseAdvanced", MetricUnit.Count, 1);
    logger.info("release advanced", {
      releaseId: release.releaseId,
      phase: release.phase,
      reason: release.reason,
    });
  });
