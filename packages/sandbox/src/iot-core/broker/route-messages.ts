import type { Aedes } from "aedes";
import type { BrokerService, ServiceReply } from "../broker-service.ts";
import { topicMatchesFilter } from "../topic-filter.ts";
import type { TopicRule } from "../topic-rule.ts";
import type { BrokerContext } from "./broker-context.ts";
import type { Connection } from "./connection.ts";
import { jsonPublishPacket } from "./json-packet.ts";
import { timingEnd, timingStart } from "./layer-timing.ts";

/** Service requests still being handled: closing the broker waits for their state changes. */
export interface ServicesUnderWay {
  settled(): Promise<void>;
}

/**
 * Hands every authorized client PUBLISH to the topic rules whose filter matches it and to the
 * reserved-topic service that handles it, and delivers the service's reply to the requesting
 * client only, and only when it subscribed to the reply topic and its policy allows iot:Receive
 * on it (as AWS IoT does): another claim holder never sees someone else's certificate.
 */
export function routeClientMessages(
  broker: BrokerContext,
  aedes: Aedes,
  rules: readonly TopicRule[],
  services: readonly BrokerService[],
): ServicesUnderWay {
  const { connections, logger } = broker;
  const underWay = new Set<Promise<void>>();

  aedes.on("publish", (packet, client) => {
    if (client === null) return;
    const connection = connections.get(client);
    if (connection === undefined) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const receivedAt = Date.now();
    for (const rule of rules) {
      const started = timingStart();
      if (topicMatchesFilter(rule.topicFilter, packet.topic)) {
        rule.handle({ topic: packet.topic, payload, clientId: connection.clientId, receivedAt });
      }
      timingEnd(started, "rules", rule.name);
    }
    const started = timingStart();
    const service = services.find((candidate) => candidate.handles(packet.topic));
    if (service === undefined) {
      timingEnd(started, "services", "services");
      return;
    }
    const handled = service
      .handle({
        topic: packet.topic,
        payload,
        clientId: connection.clientId,
        certificateId: connection.certificateId,
        thingName: connection.thingName,
      })
      .then(
        (reply) => {
          if (reply !== undefined) replyTo(broker, connection, reply);
        },
        (error: unknown) =>
          logger.error(
            { clientId: connection.clientId, topic: packet.topic, err: error },
            "service failed",
          ),
      );
    underWay.add(handled);
    void handled.finally(() => underWay.delete(handled));
    timingEnd(started, "services", "services");
  });

  return {
    settled: async () => {
      await Promise.all(underWay);
    },
  };
}

function replyTo(broker: BrokerContext, connection: Connection, reply: ServiceReply): void {
  const { client, clientId } = connection;
  if (client.closed || connection.ending !== undefined) return;
  const qos = [...connection.subscriptions]
    .filter(([filter]) => topicMatchesFilter(filter, reply.topic))
    .reduce<number | undefined>((max, [, granted]) => Math.max(max ?? 0, granted), undefined);
  if (qos === undefined) {
    broker.logger.info({ clientId, topic: reply.topic }, "reply dropped: client not subscribed");
    return;
  }
  // client.publish passes authorizeForward, which applies the iot:Receive policy.
  client.publish(
    jsonPublishPacket(reply.topic, reply.payload, Math.min(qos, 1) as 0 | 1),
    (error) => {
      if (error)
        broker.logger.warn({ clientId, topic: reply.topic, err: error }, "reply not delivered");
    },
  );
}
