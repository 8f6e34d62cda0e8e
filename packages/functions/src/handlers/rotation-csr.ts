import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { rotationModule } from "@fleet/core";
import { ROTATION_CSR_TOPIC_FILTER } from "@fleet/core/contracts";
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
 * Trigger: the IoT topic rule on `rot/+/csr` (stacks/certificates.ts), one device request per
 * invocation. Signs the device's CSR at the stage's ACM Private CA (createSignRotationCsr) and
 * publishes the answer on `rot/{thing}/csr/accepted` or `/rejected`.
 */

const env = readEnv(PowertoolsEnvSchema.extend({ IOT_DATA_ENDPOINT: z.string().min(1) }));

const { logger, metrics } = powertools(env);
const iotData = createIotDataClient(env.IOT_DATA_ENDPOINT);
const { signCsr: signRotationCsr } = rotationModule(
  awsRotationPorts(useCaseLogger(logger), { attachesDevicePolicy: true }),
);

export const handler = middy<ParsedResult<unknown, RotationRuleEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: RotationRuleEventSchema, safeParse: true }))
  .handler(async (result): Promise<void> => {
    const request = rotationRequest(requireParsed(result, ROTATION_CSR_TOPIC_FILTER));
    const reply = await signRotationCsr(request);
    await answerRotationRequest({ iotData, metrics, logger }, request, reply, {
      accepted: { metric: "RotationCertificateIssued", message: "rotation CSR accepted" },
      rejected: { metric: "RotationCsrRejected", message: "rotation CSR rejected" },
    });
  });
