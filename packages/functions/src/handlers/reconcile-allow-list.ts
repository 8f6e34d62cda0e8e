import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas";
import type { ParsedResult, S3Event } from "@aws-lambda-powertools/parser/types";
import { allowListModule, type ReconcileSummary } from "@fleet/core";
import middy from "@middy/core";
import { awsAllowListPorts } from "../aws-ports/allow-list-ports.ts";
import { readEnv } from "../env.ts";
import { ReconcileIncompleteError } from "../errors.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: S3 ObjectCreated on the allow-list object of the stage's bucket
 * (stacks/provisioning.ts). Removes every provisioned device whose serial is no longer listed:
 * its certificates are revoked in AWS IoT and, those the stage's private CA issued, at the CA
 * too (its revocation list), then deleted with the thing.
 *
 * Each run reconciles against the current list, whichever upload's event started it, so a
 * late or repeated event does no harm. A run in which some device could not be removed throws
 * after the others are done: Lambda then retries the event, and the idempotent rerun finishes
 * the job. An invalid list is the uploader's to fix: it is logged and counted, not retried.
 */

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { reconcile } = allowListModule(awsAllowListPorts(useCaseLogger(logger)));

/** Removed serials named in one log line at most; the counts are always complete. */
const LOGGED_SERIALS_MAX = 100;

export const handler = middy<ParsedResult<unknown, S3Event>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: S3Schema, safeParse: true }))
  .handler(async (result): Promise<ReconcileSummary> => {
    const event = requireParsed(result, "S3 event notification");
    logger.info("allow-list uploaded", {
      uploads: event.Records.map((record) => ({
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        versionId: record.s3.object.versionId ?? null,
      })),
    });

    const summary = await reconcile();

    metrics.addMetric("DevicesRemoved", MetricUnit.Count, summary.removed.length);
    metrics.addMetric("DeviceRemovalFailures", MetricUnit.Count, summary.failures.length);
    metrics.addMetric(
      "InvalidAllowList",
      MetricUnit.Count,
      summary.status === "invalid-list" ? 1 : 0,
    );
    const counts = {
      status: summary.status,
      version: summary.version,
      listed: summary.listed,
      registered: summary.registered,
      removed: summary.removed.length,
      failed: summary.failures.length,
    };
    if (summary.status === "invalid-list") {
      logger.error("allow-list refused: no device removed", { ...counts, issues: summary.issues });
      return summary;
    }
    logger.info("allow-list reconciled", {
      ...counts,
      removedSerials: summary.removed.slice(0, LOGGED_SERIALS_MAX).map((device) => device.serial),
    });
    if (summary.failures.length > 0) {
      logger.error("devices not removed", { failures: summary.failures });
      throw new ReconcileIncompleteError(summary);
    }
    return summary;
  });
