import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import type { RotationReply, RotationRequest } from "@fleet/core";
import * as z from "zod";

/**
 * What the rotation topic rules deliver (`SELECT *, topic(2) AS thing, principal() AS
 * principal`): the device's JSON with the thing and certificate id the broker vouches for. The
 * device's own fields are left for the use case to validate, so a bad request gets a
 * `/rejected` reply instead of vanishing in a failed invocation.
 */
export const RotationRuleEventSchema = z.looseObject({
  thing: z.string().min(1),
  principal: z.string().min(1),
});
export type RotationRuleEvent = z.infer<typeof RotationRuleEventSchema>;

/** Splits a rule event into who sent it and what the device sent. */
export function rotationRequest(event: RotationRuleEvent): RotationRequest {
  const { thing, principal, ...payload } = event;
  return { thing, principal, payload };
}

/** An IoT data-plane client for the account's ATS endpoint (host name without scheme). */
export function createIotDataClient(dataEndpoint: string): IoTDataPlaneClient {
  return new IoTDataPlaneClient({ endpoint: `https://${dataEndpoint}` });
}

/** Publishes a use case's reply to the device, QoS 1, on the topic the reply names. */
export async function publishReply(
  client: IoTDataPlaneClient,
  reply: RotationReply<unknown>,
): Promise<void> {
  await client.send(
    new PublishCommand({
      topic: reply.topic,
      qos: 1,
      payload: new TextEncoder().encode(JSON.stringify(reply.payload)),
    }),
  );
}

/** How one rotation request kind shows up in metrics and logs. */
export interface RotationReplyNames {
  /** Metric counted and message logged when the use case accepted the request. */
  accepted: { metric: string; message: string };
  rejected: { metric: string; message: string };
}

/**
 * Answers the device (the reply goes to its `/accepted` or `/rejected` topic) and records the
 * outcome: a count per outcome, rejections by `errorCode`.
 */
export async function answerRotationRequest(
  deps: { iotData: IoTDataPlaneClient; metrics: Metrics; logger: Logger },
  request: RotationRequest,
  reply: RotationReply<{ rotationId: string }>,
  names: RotationReplyNames,
): Promise<void> {
  await publishReply(deps.iotData, reply);
  const keys = { thingName: request.thing, rotationId: reply.payload.rotationId };
  if (reply.outcome === "accepted") {
    deps.metrics.addMetric(names.accepted.metric, MetricUnit.Count, 1);
    deps.logger.info(names.accepted.message, keys);
    return;
  }
  deps.metrics.addDimension("errorCode", reply.payload.errorCode);
  deps.metrics.addMetric(names.rejected.metric, MetricUnit.Count, 1);
  deps.logger.warn(names.rejected.message, { ...keys, ...reply.payload });
}
