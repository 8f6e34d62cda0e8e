import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { createSignRotationCsr } from "@fleet/core";
import {
  AcmPcaCertificateIssuer,
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  createDynamoDbClient,
  createIotClient,
  DynamoDbRotationStore,
  IotDeviceRegistry,
} from "@fleet/core/adapters/aws";
import { ROTATION_CSR_TOPIC_FILTER } from "@fleet/core/contracts";
import middy from "@middy/core";
import { z } from "zod";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
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
  z.object({
    POWERTOOLS_SERVICE_NAME: z.string().min(1),
    POWERTOOLS_METRICS_NAMESPACE: z.string().min(1),
    ROTATION_TABLE: z.string().min(1),
    THING_GROUP_NAME: z.string().min(1),
    DEVICE_POLICY_NAME: z.string().min(1),
    CA_ARN: z.string().min(1),
    CA_CERTIFICATE_PEM: z.string().includes("BEGIN CERTIFICATE"),
    CERT_TEMPLATE_ARN: z.string().min(1),
    CERT_VALIDITY_DAYS: z.coerce.number().int().positive(),
    IOT_DATA_ENDPOINT: z.string().min(1),
  }),
);

const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME });
const metrics = new Metrics({
  namespace: env.POWERTOOLS_METRICS_NAMESPACE,
  serviceName: env.POWERTOOLS_SERVICE_NAME,
});
const pca = createAcmPcaClient();
const iotData = createIotDataClient(env.IOT_DATA_ENDPOINT);

const signRotationCsr = createSignRotationCsr({
  rotations: new DynamoDbRotationStore({
    dynamo: createDynamoDbClient(),
    tableName: env.ROTATION_TABLE,
  }),
  registry: new IotDeviceRegistry({
    iot: createIotClient(),
    thingGroupName: env.THING_GROUP_NAME,
    devicePolicyName: env.DEVICE_POLICY_NAME,
  }),
  issuer: new AcmPcaCertificateIssuer({
    pca,
    certificateAuthorityArn: env.CA_ARN,
    templateArn: env.CERT_TEMPLATE_ARN,
  }),
  revoker: new AcmPcaCertificateRevoker({
    pca,
    certificateAuthorityArn: env.CA_ARN,
    caCertificatePem: env.CA_CERTIFICATE_PEM,
  }),
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
