import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas";
import type { ParsedResult, S3Event } from "@aws-lambda-powertools/parser/types";
import { S3Client } from "@aws-sdk/client-s3";
import { createReconcileAllowList, type ReconcileSummary } from "@fleet/core";
import {
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  createDynamoDbClient,
  createIotClient,
  DynamoDbDeviceLedger,
  IotDeviceRegistry,
  S3AllowListStore,
} from "@fleet/core/adapters/aws";
import middy from "@middy/core";
import * as z from "zod";
import { CertificateAuthorityEnvSchema } from "../certificate-authority-env.ts";
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

const env = readEnv(
  PowertoolsEnvSchema.extend(CertificateAuthorityEnvSchema.shape).extend({
    ALLOW_LIST_BUCKET: z.string().min(1),
    THING_GROUP_NAME: z.string().min(1),
    DEVICE_LEDGER_TABLE: z.string().min(1),
  }),
);

const { logger, metrics } = powertools(env);

const reconcile = createReconcileAllowList({
  allowList: new S3AllowListStore({ s3: new S3Client({}), bucket: env.ALLOW_LIST_BUCKET }),
  registry: new IotDeviceRegistry({
    iot: createIotClient(),
    thingGroupName: env.THING_GROUP_NAME,
  }),
  // Certificates AWS IoT signed (provisioning in the aws-iot signer mode) are skipped by it.
  revoker: new AcmPcaCertificateRevoker({
    pca: createAcmPcaClient(),
    certificateAuthorityArn: env.CA_ARN,
    caCertificatePem: env.CA_CERTIFICATE_PEM,
  }),
  ledger: new DynamoDbDeviceLedger({
    dynamo: createDynamoDbClient(),
    tableName: env.DEVICE_LEDGER_TABLE,
  }),
  logger: useCaseLogger(logger),
});

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
