import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { ParsedResult } from "@aws-lambda-powertools/parser/types";
import {
  knownDisconnectReason,
  PRESENCE_EVENT_TYPES,
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
 *
 * The rule selects connects and disconnects only (PRESENCE_RULE_SQL). An event of another type
 * that reaches the function anyway (`connect_failed`, or one AWS adds) is counted as
 * `PresenceEventIgnored` and never thrown: Lambda would retry it, and no retry makes it valid.
 */

const env = readEnv(PowertoolsEnvSchema);

const { logger, metrics } = powertools(env);

export const handler = middy<ParsedResult<unknown, PresenceEvent>>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(parser({ schema: PresenceEventSchema, safeParse: true }))
  .handler(async (result): Promise<void> => {
    const eventType = otherEventType(result);
    if (eventType !== undefined) {
      metrics.addMetric("PresenceEventIgnored", MetricUnit.Count, 1);
      logger.warn("presence event of a type the rule does not select: ignored", { eventType });
      return;
    }
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

/** The event's type when it is a lifecycle event other than a connect or disconnect. */
function otherEventType(result: ParsedResult<unknown, PresenceEvent>): string | undefined {
  if (result.success) return undefined;
  const eventType = (result.originalEvent as { eventType?: unknown } | undefined)?.eventType;
  if (typeof eventType !== "string") return undefined;
  return (PRESENCE_EVENT_TYPES as readonly string[]).includes(eventType) ? undefined : eventType;
}
