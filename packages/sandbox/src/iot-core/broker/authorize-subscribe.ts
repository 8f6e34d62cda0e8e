import type { AuthorizeSubscribeHandler } from "aedes";
import type { BrokerContext } from "./broker-context.ts";
import { describeDenial } from "./connection-authorizer.ts";
import { topicFilterProblem } from "./message-limits.ts";
import { refuse } from "./refuse.ts";

/**
 * aedes `authorizeSubscribe`, once per topic filter of a SUBSCRIBE: MQTT's topic rules and
 * AWS's size limits, then the subscriptions per connection (both CLIENT_ERROR), then the
 * iot:Subscribe policy (AUTH_ERROR). A refused filter closes the connection, as AWS IoT does:
 * it answers no SUBACK failure.
 */
export function authorizeSubscribe(broker: BrokerContext): AuthorizeSubscribeHandler {
  const limit = broker.quotas.subscriptionsPerConnection;
  const overLimit = `more than ${limit} subscriptions on this connection (AWS IoT Core quota "Subscriptions per connection")`;
  const authorizeFilter: AuthorizeSubscribeHandler = (client, subscription, done) => {
    const connection = broker.connections.get(client);
    if (connection === undefined) {
      done(new Error("SUBSCRIBE from an unauthenticated connection"));
      return;
    }
    const topicFilter = subscription.topic;
    const invalid = topicFilterProblem(topicFilter);
    if (invalid !== undefined) {
      refuse(broker, {
        of: "subscribe",
        connection,
        topicFilter,
        ending: "CLIENT_ERROR",
        reason: invalid,
      });
      done(new Error(invalid));
      return;
    }
    const { subscriptions } = connection;
    if (!subscriptions.has(topicFilter) && subscriptions.size >= limit) {
      refuse(broker, {
        of: "subscribe",
        connection,
        topicFilter,
        ending: "CLIENT_ERROR",
        reason: overLimit,
      });
      done(new Error("subscriptions per connection exceeded"));
      return;
    }
    const decision = connection.authorizer.authorize("iot:Subscribe", topicFilter);
    if (decision.allowed) {
      // Counted at once: the filters of one SUBSCRIBE are authorized before any is recorded.
      subscriptions.set(topicFilter, subscriptions.get(topicFilter) ?? 0);
      done(null, subscription);
      return;
    }
    const reason = describeDenial("iot:Subscribe", topicFilter, decision);
    refuse(broker, { of: "subscribe", connection, topicFilter, ending: "AUTH_ERROR", reason });
    done(new Error(reason));
  };
  return (client, subscription, done) => {
    if (broker.connections.has(client) || !broker.earlyPackets.isUndecided(client)) {
      authorizeFilter(client, subscription, done);
      return;
    }
    // Sent before the CONNACK (MQTT 3.1.1 section 3.1.4): decided once the CONNECT is.
    broker.earlyPackets.wait(client, () => authorizeFilter(client, subscription, done));
  };
}
