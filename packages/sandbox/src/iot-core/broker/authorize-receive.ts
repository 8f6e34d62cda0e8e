import type { AuthorizeForwardHandler } from "aedes";
import type { BrokerContext } from "./broker-context.ts";
import { timingEnd, timingStart } from "./layer-timing.ts";

/**
 * aedes `authorizeForward`, on every delivery: a message the subscriber's iot:Receive policy
 * does not allow is dropped silently, as AWS IoT does.
 */
export function authorizeReceive(broker: BrokerContext): AuthorizeForwardHandler {
  return (client, packet) => {
    const started = timingStart();
    const connection = broker.connections.get(client);
    const allowed = connection?.authorizer.authorize("iot:Receive", packet.topic).allowed === true;
    timingEnd(started, "authorization", "receive");
    return allowed ? packet : null;
  };
}
