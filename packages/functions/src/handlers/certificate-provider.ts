import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { CsrRefusedError, provisioningModule } from "@fleet/core";
import {
  type CertificateProviderEvent,
  CertificateProviderEventSchema,
  type CertificateProviderResult,
} from "@fleet/core/contracts";
import middy from "@middy/core";
import { awsProvisioningPorts } from "../aws-ports/provisioning-ports.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: AWS IoT, for every CreateCertificateFromCsr request in the account, as its
 * certificate provider (stacks/certificate-provider.ts). Has the stage's ACM Private CA issue
 * the device's CSR (createSignProvisioningCsr) and returns the certificate for AWS IoT to
 * register. Event and result: `CertificateProviderEventSchema` in core's contracts, after the
 * AWS IoT developer guide's "Certificate provider Lambda function input" and "return value".
 * AWS documents no refusal answer: a refused CSR (or a CA failure) is thrown, which fails the
 * device's request; the reason is in this function's logs and the `DeviceCsrRefused` metric.
 */

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
const { signCsr } = provisioningModule(awsProvisioningPorts(useCaseLogger(logger)));

/** Where the event comes from, as error messages name it. */
const SOURCE = "AWS IoT certificate provider event";

export const handler = middy<ParsedResult<unknown, CertificateProviderEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: CertificateProviderEventSchema, safeParse: true }))
  .handler(async (result): Promise<CertificateProviderResult> => {
    const event = requireParsed(result, SOURCE);
    try {
      const { certificatePem } = await signCsr({
        certificateSigningRequest: event.certificateSigningRequest,
        clientId: event.clientId,
      });
      metrics.addMetric("DeviceCertificateIssued", MetricUnit.Count, 1);
      return { certificatePem };
    } catch (error) {
      if (error instanceof CsrRefusedError) {
        metrics.addMetric("DeviceCsrRefused", MetricUnit.Count, 1);
      }
      throw error;
    }
  });
