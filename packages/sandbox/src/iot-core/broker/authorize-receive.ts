import type { AuthorizeForwardHandler } from "aedes";
import type { BrokerContext } from "./broker-context.ts";

/**
 * aedes `authorizeForward`, on every delivery: a message the subscriber's iot:Receive policy
 * does not allow is dropped silently, as AWS IoT does.
 */
export function authorizeReceive(broker: BrokerContext): AuthorizeForwardHandler {
  return (client, packet) => {
    const connection = broker.connections.get(client);
    if (connection === undefined) return null;
    return connection.authorizer.authorize("iot:Receive", packet.topic).allowed ? packet : null;
  };
}
