import type { Aedes, Client } from "aedes";
import { PacketTooLargeError } from "../../errors.ts";
import { type DisconnectReason, emitSandboxEvent } from "../broker-events.ts";
import type { BrokerContext } from "./broker-context.ts";
import { type Connection, presenceOf } from "./connection.ts";
import { jsonPublishPacket } from "./json-packet.ts";
import { connectedPresence, disconnectedPresence, hasPresenceEvents } from "./presence-events.ts";

/**
 * A client id connecting again takes the session over: aedes closes the session holding it once
 * the new one registers, and AWS IoT reports that disconnect as DUPLICATE_CLIENTID.
 */
export function markTakeover(
  broker: BrokerContext,
  clientId: string,
  remoteAddress: string | undefined,
): void {
  const previous = broker.sessions.handle(clientId);
  if (previous === undefined) return;
  previous.ending ??= {
    reason: "DUPLICATE_CLIENTID",
    detail: `client id ${clientId} connected again from ${remoteAddress ?? "an unknown address"}`,
  };
}

/**
 * A connection's life after CONNECT: its session from CONNACK to disconnect, the subscriptions
 * it holds, why it ended (the first reason the broker recorded, or what the client did), and
 * the `client-connected` / `client-disconnected` events and lifecycle messages that say so.
 */
export function trackLifecycle(broker: BrokerContext, aedes: Aedes): void {
  const { connections, logger } = broker;

  aedes.on("clientReady", (client) => sessionStarted(broker, aedes, client));

  aedes.on("subscribe", (subscriptions, client) => {
    const connection = connections.get(client);
    for (const { topic, qos } of subscriptions) connection?.subscriptions.set(topic, qos);
  });

  aedes.on("unsubscribe", (topicFilters, client) => {
    const connection = connections.get(client);
    for (const topic of topicFilters) connection?.subscriptions.delete(topic);
  });

  aedes.on("keepaliveTimeout", (client) => {
    const connection = connections.get(client);
    if (connection)
      connection.ending ??= { reason: "MQTT_KEEP_ALIVE_TIMEOUT", detail: "keep-alive timeout" };
  });

  aedes.on("clientError", (client, error) => {
    const connection = connections.get(client);
    if (error instanceof PacketTooLargeError) {
      logger.info({ clientId: client.id, reason: error.message }, "packet refused");
    }
    if (connection) connection.ending ??= { reason: "CLIENT_ERROR", detail: error.message };
  });

  // A packet too large before CONNECT: no client id to name yet.
  aedes.on("connectionError", (_client, error) => {
    if (error instanceof PacketTooLargeError)
      logger.info({ reason: error.message }, "packet refused");
  });

  aedes.on("clientDisconnect", (client) => sessionEnded(broker, aedes, client));
}

/** CONNACK sent: the connection becomes its client id's session, announced by event and message. */
function sessionStarted(broker: BrokerContext, aedes: Aedes, client: Client): void {
  const connection = broker.connections.get(client);
  if (connection === undefined) return;
  const at = new Date();
  const connectedAt = at.toISOString();
  connection.connectedAt = connectedAt;
  const { clientId, certificateId, thingName, remoteAddress, sessionIdentifier } = connection;
  broker.sessions.add(
    {
      clientId,
      certificateId,
      ...(thingName === undefined ? {} : { thingName }),
      connectedAt,
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
      sessionIdentifier,
    },
    connection,
  );
  broker.logger.info({ clientId, certificateId, thingName }, "client connected");
  emitSandboxEvent(broker.events, {
    kind: "client-connected",
    clientId,
    certificateId,
    ...(thingName === undefined ? {} : { thingName }),
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    sessionIdentifier,
    at: connectedAt,
  });
  publishPresence(broker, aedes, clientId, connectedPresence(presenceOf(connection), at));
}

/** The session's connection closed: why it ended, in the event and the lifecycle message. */
function sessionEnded(broker: BrokerContext, aedes: Aedes, client: Client): void {
  const connection = broker.connections.get(client);
  if (connection?.connectedAt === undefined) return;
  const { clientId, certificateId, thingName, sessionIdentifier } = connection;
  broker.sessions.remove(clientId, connection);
  const reason = disconnectReason(broker, connection, client);
  const detail = connection.ending?.detail;
  broker.logger.info({ clientId, disconnectReason: reason, detail }, "client disconnected");
  emitSandboxEvent(broker.events, {
    kind: "client-disconnected",
    clientId,
    certificateId,
    ...(thingName === undefined ? {} : { thingName }),
    sessionIdentifier,
    disconnectReason: reason,
    ...(detail === undefined ? {} : { detail }),
    at: new Date().toISOString(),
  });
  const presence = disconnectedPresence(presenceOf(connection), reason, new Date());
  publishPresence(broker, aedes, clientId, presence);
}

/** The reason the broker recorded, else whether the broker, the client or the network ended it. */
function disconnectReason(
  broker: BrokerContext,
  connection: Connection,
  client: Client,
): DisconnectReason {
  if (connection.ending !== undefined) return connection.ending.reason;
  if (broker.closing) return "SERVER_INITIATED_DISCONNECT";
  return sentDisconnect(client) ? "CLIENT_INITIATED_DISCONNECT" : "CONNECTION_LOST";
}

/** Publishes a lifecycle message as AWS IoT itself: subscribers still need iot:Receive. */
function publishPresence(
  broker: BrokerContext,
  aedes: Aedes,
  clientId: string,
  message: { topic: string; payload: object },
): void {
  if (broker.closing || !hasPresenceEvents(clientId)) return;
  aedes.publish(jsonPublishPacket(message.topic, message.payload, 0), (error) => {
    if (error) broker.logger.warn({ clientId, err: error }, "lifecycle event not published");
  });
}

/**
 * True when the client ended with an MQTT DISCONNECT. aedes records that only in a private
 * field (it decides whether to publish the will); the lifecycle event needs it too.
 */
function sentDisconnect(client: Client): boolean {
  return (client as Client & { _disconnected?: boolean })._disconnected === true;
}
