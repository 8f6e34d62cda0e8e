import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import { SnsSchema } from "@aws-lambda-powertools/parser/schemas";
import type { ParsedResult, SnsEvent } from "@aws-lambda-powertools/parser/types";
import { ContractViolationError, type RotateExpiringSummary, rotationModule } from "@fleet/core";
import { type AuditNotification, AuditNotificationSchema } from "@fleet/core/contracts";
import middy from "@middy/core";
import * as z from "zod";
import { awsRotationPorts } from "../aws-ports/rotation-ports.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the Device Defender audit SNS topic (stacks/certificates.ts). For each audit summary
 * in the event, starts one rotation per device whose certificate the expiring check flagged
 * (createRotateExpiringCertificates); a device already rotating keeps its rotation, so SNS
 * redelivering a notification does no harm.
 */

const WHERE = "Device Defender audit notification";

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { rotateExpiring } = rotationModule(awsRotationPorts(useCaseLogger(logger)));

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
