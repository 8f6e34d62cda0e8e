import type { AuthorizePublishHandler, Client, PublishPacket } from "aedes";
import type { BrokerContext } from "./broker-context.ts";
import type { Connection } from "./connection.ts";
import { describeDenial } from "./connection-authorizer.ts";
import { timingEnd, timingStart } from "./layer-timing.ts";
import { payloadProblem, topicNameProblem } from "./message-limits.ts";
import { refuse } from "./refuse.ts";

/**
 * aedes `authorizePublish`, run on every PUBLISH (the hot path the broker benchmark measures:
 * no allocation unless the packet is refused). In order: the publish rate (THROTTLED), MQTT's
 * topic rules and AWS's size limits (CLIENT_ERROR), then the iot:Publish and iot:RetainPublish
 * policies (AUTH_ERROR). Each refusal ends the connection: MQTT 3.1.1 cannot refuse a PUBLISH.
 */
export function authorizePublish(broker: BrokerContext): AuthorizePublishHandler {
  const throttled = `more than ${broker.quotas.publishesPerSecondPerConnection} publishes per second on this connection (AWS IoT Core quota "Publish requests per second per connection")`;
  const unauthenticated = new Error("PUBLISH from an unauthenticated connection");
  /** The error that refuses this PUBLISH (and ends its connection), or null. */
  const check = (client: Client | null, packet: PublishPacket): Error | null => {
    if (client === null) return null; // the broker's own messages (lifecycle events)
    const connection = broker.connections.get(client);
    if (connection === undefined) return unauthenticated;
    const { topic } = packet;
    if (!connection.publishes.take(performance.now())) {
      refuse(broker, { of: "publish", connection, topic, ending: "THROTTLED", reason: throttled });
      return new Error("THROTTLED");
    }
    const invalid = topicNameProblem(topic) ?? payloadProblem(packet.payload);
    if (invalid !== undefined) {
      refuse(broker, { of: "publish", connection, topic, ending: "CLIENT_ERROR", reason: invalid });
      return new Error(invalid);
    }
    const reason = publishDenial(connection, packet);
    if (reason === undefined) return null;
    // aedes asks again for the will message of a connection that is already closing.
    if (!client.closed) {
      refuse(broker, { of: "publish", connection, topic, ending: "AUTH_ERROR", reason });
    }
    return new Error(reason);
  };
  return (client, packet, done) => {
    // Timed before `done`, which goes on with aedes' own routing of the message.
    const started = timingStart();
    const error = check(client, packet);
    timingEnd(started, "authorization", "publish");
    if (error === unauthenticated && client !== null && broker.earlyPackets.isUndecided(client)) {
      // Sent before the CONNACK (MQTT 3.1.1 section 3.1.4): decided once the CONNECT is.
      broker.earlyPackets.wait(client, () => done(check(client, packet)));
      return;
    }
    done(error);
  };
}

/** Why the policy refuses this PUBLISH, or undefined when it allows it. */
function publishDenial(connection: Connection, packet: PublishPacket): string | undefined {
  const { topic } = packet;
  // Only AWS IoT itself publishes lifecycle events; a client must not forge them.
  if (topic.startsWith("$aws/events/")) return `topic ${topic} is reserved for AWS IoT events`;
  const publish = connection.authorizer.authorize("iot:Publish", topic);
  if (!publish.allowed) return describeDenial("iot:Publish", topic, publish);
  if (packet.retain) {
    const retain = connection.authorizer.authorize("iot:RetainPublish", topic);
    if (!retain.allowed) return describeDenial("iot:RetainPublish", topic, retain);
  }
  return undefined;
}
