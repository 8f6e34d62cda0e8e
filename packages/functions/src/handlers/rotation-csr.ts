import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { createSignRotationCsr } from "@fleet/core";
import {
  AcmPcaCertificateIssuer,
  createAcmPcaClient,
  createIotClient,
  IotDeviceRegistry,
} from "@fleet/core/adapters/aws";
import { ROTATION_CSR_TOPIC_FILTER } from "@fleet/core/contracts";
import middy from "@middy/core";
import * as z from "zod";
import { controlPlane } from "../control-plane.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { powertools } from "../powertools.ts";
import { RotationEnvSchema, rotationBackend } from "../rotation-backend.ts";
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

const DAY_MS = 86_400_000;

const env = readEnv(
  RotationEnvSchema.extend({
    DEVICE_POLICY_NAME: z.string().min(1),
    CERT_TEMPLATE_ARN: z.string().min(1),
    CERT_VALIDITY_DAYS: z.coerce.number().int().positive(),
    IOT_DATA_ENDPOINT: z.string().min(1),
  }),
);

const { logger, metrics } = powertools(env);
const throttle = controlPlane(env);
const pca = createAcmPcaClient();
const iotData = createIotDataClient(env.IOT_DATA_ENDPOINT);

const signRotationCsr = createSignRotationCsr({
  ...rotationBackend(env, throttle, pca),
  registry: throttle(
    new IotDeviceRegistry({
      iot: createIotClient(),
      thingGroupName: env.THING_GROUP_NAME,
      devicePolicyName: env.DEVICE_POLICY_NAME,
    }),
  ),
  issuer: throttle(
    new AcmPcaCertificateIssuer({
      pca,
      certificateAuthorityArn: env.CA_ARN,
      caCertificatePem: env.CA_CERTIFICATE_PEM,
      templateArn: env.CERT_TEMPLATE_ARN,
    }),
  ),
  validityMs: env.CERT_VALIDITY_DAYS * DAY_MS,
  clock: () => new Date(),
  logger: useCaseLogger(logger),
});

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
