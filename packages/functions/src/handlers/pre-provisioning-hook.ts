import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import { type ProvisioningDecision, provisioningModule } from "@fleet/core";
import {
  type PreProvisioningHookEvent,
  PreProvisioningHookEventSchema,
  type PreProvisioningHookResult,
} from "@fleet/core/contracts";
import middy from "@middy/core";
import { awsProvisioningPorts } from "../aws-ports/provisioning-ports.ts";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";
import { useCaseLogger } from "../use-case-logger.ts";

/**
 * Trigger: AWS IoT, before it runs the provisioning template for a RegisterThing request
 * (stacks/provisioning.ts). Allows only a valid serial on the current allow-list, whose
 * certificate names it when the stage's private CA signed it (`CERTIFICATE_SIGNER` private-ca;
 * with aws-iot the subject AWS IoT's CA writes is unknown and not checked), and only while the
 * serial's thing has no usable certificate (ListThingPrincipals, DescribeCertificate): a
 * provisioned device is not registered a second time. Whatever goes wrong
 * denies: a hook that throws or times out denies too, but then the reason is lost, so every
 * error becomes a logged denial here.
 */

const { logger, metrics } = powertools(readEnv(PowertoolsEnvSchema));
// Module scope: a warm function keeps the parsed list and re-reads it only when it changed.
const { decide } = provisioningModule(awsProvisioningPorts(useCaseLogger(logger)));

/** Where the event comes from, as error messages name it. */
const SOURCE = "AWS IoT pre-provisioning hook event";

export const handler = middy<ParsedResult<unknown, PreProvisioningHookEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: PreProvisioningHookEventSchema, safeParse: true }))
  .handler(async (result): Promise<PreProvisioningHookResult> => {
    let decision: ProvisioningDecision;
    let keys: Record<string, string> = {};
    try {
      const event = requireParsed(result, SOURCE);
      keys = { certificateId: event.certificateId, clientId: event.clientId };
      decision = await decide(event);
    } catch (error) {
      decision = {
        allowProvisioning: false,
        reason: error instanceof Error ? error.message : String(error),
        serial: null,
      };
    }
    const fields = { ...keys, serial: decision.serial, reason: decision.reason };
    if (decision.allowProvisioning) {
      metrics.addMetric("ProvisioningAllowed", MetricUnit.Count, 1);
      logger.info("provisioning allowed", fields);
    } else {
      metrics.addMetric("ProvisioningDenied", MetricUnit.Count, 1);
      logger.warn("provisioning denied", fields);
    }
    return { allowProvisioning: decision.allowProvisioning };
  });
