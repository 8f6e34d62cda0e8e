import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { rotationModule } from "@fleet/core";
import { ROTATION_COMMIT_TOPIC_FILTER } from "@fleet/core/contracts";
import middy from "@middy/core";
import * as z from "zod";
import { awsRotationPorts } from "../aws-ports/rotation-ports.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import {
  answerRotationRequest,
  createIotDataClient,
  type RotationRuleEvent,
  RotationRuleEventSchema,
  rotationRequest,
} from "../rotation-request.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: the IoT topic rule on `rot/+/commit` (stacks/certificates.ts). Commits the rotation
 * when the device proves it connects with its new certificate, retiring the old one
 * (createCommitRotation), and publishes the answer on `rot/{thing}/commit/accepted` or
 * `/rejected`.
 */

const env = readEnv(PowertoolsEnvSchema.extend({ IOT_DATA_ENDPOINT: z.string().min(1) }));

const { logger, metrics } = powertools(env);
const iotData = createIotDataClient(env.IOT_DATA_ENDPOINT);
const { commit: commitRotation } = rotationModule(awsRotationPorts(useCaseLogger(logger)));

export const handler = middy<ParsedResult<unknown, RotationRuleEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: RotationRuleEventSchema, safeParse: true }))
  .handler(async (result): Promise<void> => {
    const request = rotationRequest(requireParsed(result, ROTATION_COMMIT_TOPIC_FILTER));
    const reply = await commitRotation(request);
    await answerRotationRequest({ iotData, metrics, logger }, request, reply, {
      accepted: { metric: "RotationCommitted", message: "rotation committed" },
      rejected: { metric: "RotationCommitRejected", message: "rotation commit rejected" },
    });
  });
