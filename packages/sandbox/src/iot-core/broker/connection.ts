import { randomUUID } from "node:crypto";
import type { Client } from "aedes";
import type { DisconnectReason } from "../broker-events.ts";
import { TokenBucket } from "../token-bucket.ts";
import type { ConnectAttempt, ConnectionVerdict } from "./connect-check.ts";
import { ConnectionAuthorizer } from "./connection-authorizer.ts";
import type { PresenceConnection } from "./presence-events.ts";

/** What the broker keeps about one authenticated MQTT connection. */
export interface Connection {
  client: Client;
  clientId: string;
  certificateId: string;
  thingName: string | undefined;
  certificateSubject: Record<string, string>;
  authorizer: ConnectionAuthorizer;
  sessionIdentifier: string;
  versionNumber: number;
  remoteAddress: string | undefined;
  connectedAt: string | undefined;
  /** Set when the broker decides to end the connection, before it closes it. */
  ending: { reason: DisconnectReason; detail: string } | undefined;
  /** Topic filters the client subscribed to, with their QoS: replies need a matching one. */
  subscriptions: Map<string, number>;
  /** The connection's share of "publish requests per second per connection". */
  publishes: TokenBucket;
}

/** A connection the registry and the iot:Connect policy just accepted, before its CONNACK. */
export function newConnection(
  client: Client,
  attempt: ConnectAttempt,
  grant: Extract<ConnectionVerdict, { allowed: true }>,
  details: { versionNumber: number; remoteAddress: string | undefined; publishesPerSecond: number },
): Connection {
  return {
    client,
    clientId: attempt.clientId,
    certificateId: attempt.certificateId,
    thingName: grant.context.thingName,
    certificateSubject: attempt.certificateSubject,
    authorizer: new ConnectionAuthorizer(grant.policies, grant.context),
    sessionIdentifier: randomUUID(),
    versionNumber: details.versionNumber,
    remoteAddress: details.remoteAddress,
    connectedAt: undefined,
    ending: undefined,
    subscriptions: new Map(),
    publishes: new TokenBucket({
      capacity: details.publishesPerSecond,
      perSecond: details.publishesPerSecond,
      now: performance.now(),
    }),
  };
}

/** The connection as its lifecycle (presence) messages describe it. */
export function presenceOf(connection: Connection): PresenceConnection {
  return {
    clientId: connection.clientId,
    certificateId: connection.certificateId,
    sessionIdentifier: connection.sessionIdentifier,
    versionNumber: connection.versionNumber,
    ...(connection.remoteAddress === undefined ? {} : { ipAddress: connection.remoteAddress }),
  };
}
