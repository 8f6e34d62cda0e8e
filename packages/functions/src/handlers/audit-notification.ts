import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import { SnsSchema } from "@aws-lambda-powertools/parser/schemas";
import type { ParsedResult, SnsEvent } from "@aws-lambda-powertools/parser/types";
import {
  ContractViolationError,
  createRotateExpiringCertificates,
  createStartRotation,
  type RotateExpiringSummary,
} from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DeviceDefenderAuditFindings,
  DynamoDbRotationStore,
  IotDeviceRegistry,
} from "@fleet/core/adapters/aws";
import { type AuditNotification, AuditNotificationSchema } from "@fleet/core/contracts";
import middy from "@middy/core";
import * as z from "zod";
import { ControlPlaneEnvSchema, controlPlane } from "../control-plane.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { RotationJobEnvSchema, rotationJobStarter } from "../rotation-backend.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the Device Defender audit SNS topic (stacks/certificates.ts). For each audit summary
 * in the event, starts one rotation per device whose certificate the expiring check flagged
 * (createRotateExpiringCertificates); a device already rotating keeps its rotation, so SNS
 * redelivering a notification does no harm.
 */

const MINUTE_MS = 60_000;
const WHERE = "Device Defender audit notification";

const env = readEnv(
  PowertoolsEnvSchema.extend(ControlPlaneEnvSchema.shape)
    .extend(RotationJobEnvSchema.shape)
    .extend({
      ROTATION_TABLE: z.string().min(1),
      THING_GROUP_NAME: z.string().min(1),
      ROTATION_DEADLINE_MINUTES: z.coerce.number().int().positive(),
    }),
);

const { logger, metrics } = powertools(env);
const throttle = controlPlane(env);
const iot = createIotClient();
const registry = throttle(new IotDeviceRegistry({ iot, thingGroupName: env.THING_GROUP_NAME }));
const rotations = new DynamoDbRotationStore({
  dynamo: createDynamoDbClient(),
  tableName: env.ROTATION_TABLE,
});
const startRotation = createStartRotation({
  rotations,
  registry,
  jobs: throttle(rotationJobStarter(env, iot)),
  clock: () => new Date(),
  deadlineMs: env.ROTATION_DEADLINE_MINUTES * MINUTE_MS,
  logger: useCaseLogger(logger),
});

const rotateExpiring = createRotateExpiringCertificates({
  findings: new DeviceDefenderAuditFindings({ iot, logger: useCaseLogger(logger) }),
  registry,
  // `created`: whether this call started the rotation, or found the thing's running one.
  startRotation: async (thingName, certificateId) => {
    const running = await rotations.activeFor(thingName);
    const record = running ?? (await startRotation(thingName, certificateId));
    return { rotationId: record.rotationId, created: running === null };
  },
  logger: useCaseLogger(logger),
});

/** The audit summary an SNS record carries as its JSON `Message`. */
function auditNotification(message: string): AuditNotification {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch (error) {
    throw ContractViolationError.invalidContent(
      WHERE,
      [{ path: "", message: "expected a JSON message" }],
      error,
    );
  }
  const parsed = AuditNotificationSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw ContractViolationError.invalidContent(
    WHERE,
    parsed.error.issues.map((issue) => ({
      path: z.core.toDotPath(issue.path),
      message: issue.message,
    })),
    parsed.error,
  );
}

export const handler = middy<ParsedResult<unknown, SnsEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: SnsSchema, safeParse: true }))
  .handler(async (result): Promise<RotateExpiringSummary[]> => {
    const event = requireParsed(result, WHERE);
    const summaries: RotateExpiringSummary[] = [];
    for (const record of event.Records) {
      const summary = await rotateExpiring(auditNotification(record.Sns.Message));
      metrics.addMetric("RotationsStarted", MetricUnit.Count, summary.started.length);
      metrics.addMetric("RotationStartFailures", MetricUnit.Count, summary.failures.length);
      logger.info("audit acted on", {
        taskId: summary.taskId,
        status: summary.status,
        flagged: summary.flagged,
        started: summary.started.length,
        alreadyActive: summary.alreadyActive.length,
        skipped: summary.skipped.length,
        failed: summary.failures.length,
      });
      summaries.push(summary);
    }
    return summaries;
  });
