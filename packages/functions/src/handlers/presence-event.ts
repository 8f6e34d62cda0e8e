import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import {
  knownDisconnectReason,
  PRESENCE_TOPIC_FILTER,
  type PresenceEvent,
  PresenceEventSchema,
} from "@fleet/core/contracts";
import middy from "@middy/core";
import { readEnv } from "../env.ts";
import { requireParsed } from "../parsed-event.ts";
import { PowertoolsEnvSchema, powertools } from "../powertools.ts";

/**
 * Trigger: the IoT topic rule on `$aws/events/presence/+/+` (stacks/device-presence.ts), one
 * lifecycle event per invocation. Records `DeviceConnected` / `DeviceDisconnected` (the latter
 * with a `disconnectReason` dimension) as CloudWatch metrics, written as EMF log lines.
 */

const env = readEnv(PowertoolsEnvSchema);

const { logger, metrics } = powertools(env);

export const handler = middy<ParsedResult<unknown, PresenceEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: PresenceEventSchema, safeParse: true }))
  .handler(async (result): Promise<void> => {
    const event = requireParsed(result, PRESENCE_TOPIC_FILTER);
    const keys = {
      clientId: event.clientId,
      sessionIdentifier: event.sessionIdentifier,
      versionNumber: event.versionNumber,
    };
    if (event.eventType === "connected") {
      metrics.addMetric("DeviceConnected", MetricUnit.Count, 1);
      logger.info("device connected", keys);
      return;
    }
    // A bounded set of dimension values: an undocumented reason is counted as UNKNOWN.
    const disconnectReason = knownDisconnectReason(event.disconnectReason);
    metrics.addDimension("disconnectReason", disconnectReason);
    metrics.addMetric("DeviceDisconnected", MetricUnit.Count, 1);
    logger.info("device disconnected", { ...keys, disconnectReason });
  });
