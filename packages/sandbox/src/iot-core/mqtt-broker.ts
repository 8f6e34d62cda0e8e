import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { createServer, type PeerCertificate, TLSSocket } from "node:tls";
import { certificateIdOf } from "@fleet/core/contracts";
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from "aedes";
import type { Logger } from "pino";
import {
  ClientIdRejectedError,
  ConnectionRefusedError,
  ConnectThrottledError,
  PacketTooLargeError,
} from "../errors.ts";
import { listen } from "../listen.ts";
import {
  type DisconnectReason,
  emitSandboxEvent,
  type SandboxEvent,
  type SandboxEvents,
} from "./broker-events.ts";
import { AWS_BROKER_QUOTAS, type BrokerQuotas } from "./broker-quotas.ts";
import type { BrokerService, ServiceReply } from "./broker-service.ts";
import { checkConnect, checkConnection } from "./connect-check.ts";
import { ConnectionAuthorizer, describeDenial } from "./connection-authorizer.ts";
import { KeyedTokenBuckets } from "./keyed-token-buckets.ts";
import {
  clientIdProblem,
  MAX_PACKET_BYTES,
  payloadProblem,
  topicFilterProblem,
  topicNameProblem,
} from "./message-limits.ts";
import { limitPacketSize } from "./packet-size-guard.ts";
import { connectedPresence, disconnectedPresence, hasPresenceEvents } from "./presence-events.ts";
import type { IotRegistry, RegistryChange } from "./registry.ts";
import { type Sessions, SessionTable } from "./sessions.ts";
import { TokenBucket } from "./token-bucket.ts";
import { topicMatchesFilter } from "./topic-filter.ts";
import type { TopicRule } from "./topic-rule.ts";

export interface MqttBrokerOptions {
  registry: IotRegistry;
  /** The only CA whose client certificates pass the TLS handshake. */
  caCertificatePem: string;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  events: SandboxEvents;
  /** Services answering on AWS reserved topics (fleet provisioning). Default none. */
  services?: readonly BrokerService[];
  /** Topic rules run on every client message their SQL selects (the telemetry rule). Default none. */
  rules?: readonly TopicRule[];
  /**
   * Whether the issuing CA revoked this certificate serial number (its CRL): such a client is
   * refused at CONNECT whatever the registry says. Default: nothing is revoked.
   */
  isRevokedByCa?: (serialNumber: string) => boolean;
  /** The message broker quotas enforced. Default: AWS's (`AWS_BROKER_QUOTAS`). */
  quotas?: Partial<BrokerQuotas>;
}

export interface MqttBroker {
  readonly host: string;
  readonly port: number;
  readonly sessions: Sessions;
  /**
   * Publishes as AWS IoT itself (Jobs notifications): every subscriber whose iot:Receive policy
   * allows the topic gets it.
   */
  publish(topic: string, payload: unknown): void;
  /**
   * Disconnects every client and resolves once every socket is closed and every service
   * request under way (provisioning, jobs, rotation) has finished its state changes.
   */
  close(): Promise<void>;
}

/** What the broker keeps about one authenticated MQTT connection. */
interface Connection {
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

/**
 * The AWS IoT Core message broker as the product uses it: MQTT 3.1.1 over mutual TLS (aedes
 * behind `node:tls`), certificates checked against the registry at CONNECT, and every
 * CONNECT, PUBLISH, SUBSCRIBE and delivery authorized by the certificate's IoT policies.
 *
 * AWS behaviours emulated, and where they are documented:
 * - A PUBLISH or SUBSCRIBE the policy denies closes the connection; MQTT 3.1.1 has no way to
 *   refuse a PUBLISH, and AWS IoT does not answer a denied SUBSCRIBE with a SUBACK failure
 *   either: "the server will close the connection if client does not have authorized action"
 *   (AWS IoT engineer, github.com/aws/aws-iot-device-sdk-js/issues/125; same observation for
 *   publish in github.com/aws/aws-iot-device-sdk-python-v2/issues/260). The lifecycle event
 *   says AUTH_ERROR: "The client failed to authenticate or authorization failed".
 * - A delivery the subscriber's policy does not allow (iot:Receive) is dropped silently.
 * - "When a client connects to the message broker using a client ID that another client is
 *   using, the new client connection is accepted and the previously connected client is
 *   disconnected" (developer guide, "MQTT", differences from the specification), with
 *   disconnectReason DUPLICATE_CLIENTID.
 * - "Within a few minutes of updating a certificate from the ACTIVE state to any other state,
 *   AWS IoT disconnects all devices that used that certificate" (API reference,
 *   UpdateCertificate). The sandbox does it at once; it also disconnects a session whose
 *   thing is detached from its certificate, since its client id no longer names a thing the
 *   certificate may act as.
 * - Lifecycle events on `$aws/events/presence/{connected,disconnected}/<clientId>` are
 *   published by the broker; subscribers still need iot:Receive to get them.
 * - Replies of reserved-topic services (`/accepted`, `/rejected`) go to the requesting client
 *   only, and only when it subscribed to the reply topic and its policy allows iot:Receive on
 *   it: another claim holder never sees someone else's certificate or ownership token.
 * - The message broker quotas (`BrokerQuotas`, AWS's values by default):
 *   - a CONNECT within a second of the previous one of its client id is dropped without a
 *     CONNACK: "1 connection per client ID per second is the service limit, it will hang up on
 *     you" (AWS IoT SDK engineer, github.com/aws/aws-iot-device-sdk-java/issues/127);
 *   - a PUBLISH over the per-connection rate ends the connection with disconnectReason
 *     THROTTLED, "The client is disconnected for exceeding a throttling limit" (developer
 *     guide, "Lifecycle events"). The quota page says such publishes "are discarded", and
 *     AWS's SDK maintainers report hang-ups over the rate limits
 *     (github.com/aws/aws-iot-device-sdk-python-v2/issues/551): the sandbox takes the stricter
 *     of the two, so a client within the rate passes both;
 *   - a SUBSCRIBE past the subscriptions per connection closes the connection: AWS "might
 *     reject subscription requests on the same connection in excess of this amount and the
 *     connection is closed" (quota page), reported as CLIENT_ERROR.
 */
export async function startMqttBroker(options: MqttBrokerOptions): Promise<MqttBroker> {
  const { registry, logger, events } = options;
  const services = options.services ?? [];
  const rules = options.rules ?? [];
  const connections = new WeakMap<Client, Connection>();
  const sessions = new SessionTable<Connection>();
  const versionNumbers = new Map<string, number>();
  const quotas: BrokerQuotas = { ...AWS_BROKER_QUOTAS, ...options.quotas };
  /** Each client id's share of "connect requests per second per client ID". */
  const connectRates = new KeyedTokenBuckets({
    capacity: 1,
    perSecond: quotas.connectsPerSecondPerClientId,
  });
  let closing = false;
  /** Service requests still being handled: `close` waits for their state changes. */
  const servicesUnderWay = new Set<Promise<void>>();

  const emit = (event: SandboxEvent) => emitSandboxEvent(events, event);

  /** Marks why the broker ends a connection (the first reason wins) and closes it. */
  function end(connection: Connection, reason: DisconnectReason, detail: string): void {
    connection.ending ??= { reason, detail };
    connection.client.close();
  }

  function publishPresence(clientId: string, message: { topic: string; payload: object }): void {
    if (closing || !hasPresenceEvents(clientId)) return;
    const packet: PublishPacket = {
      cmd: "publish",
      topic: message.topic,
      payload: Buffer.from(JSON.stringify(message.payload)),
      qos: 0,
      retain: false,
      dup: false,
    };
    broker.publish(packet, (error) => {
      if (error) logger.warn({ clientId, err: error }, "lifecycle event not published");
    });
  }

  const broker = await Aedes.createBroker({
    // AWS IoT allows client ids of up to 128 characters; aedes defaults to 23.
    maxClientsIdLength: 128,

    preConnect(_client, packet, done) {
      const clientId = packet.clientId;
      if (connectRates.take(clientId, performance.now())) {
        done(null, true);
        return;
      }
      const reason = `THROTTLED: more than ${quotas.connectsPerSecondPerClientId} CONNECT per second for client id ${clientId} (AWS IoT Core quota "Connect requests per second per client ID"); closed without CONNACK`;
      logger.info({ clientId, reason }, "connection refused");
      emit({ kind: "connect-refused", clientId, reason, at: new Date().toISOString() });
      // An error (not just `false`) makes aedes close the socket without a CONNACK.
      done(new ConnectThrottledError(clientId, reason), false);
    },

    authenticate(client, _username, _password, done) {
      const clientId = client.id;
      const badClientId = clientIdProblem(clientId);
      if (badClientId !== undefined) {
        logger.info({ clientId, reason: badClientId }, "connection refused");
        emit({
          kind: "connect-refused",
          clientId,
          reason: badClientId,
          at: new Date().toISOString(),
        });
        done(new ClientIdRejectedError(clientId, badClientId), false);
        return;
      }
      const refuse = (certificateId: string | undefined, reason: string) => {
        logger.info({ clientId, certificateId, reason }, "connection refused");
        emit({
          kind: "connect-refused",
          clientId,
          certificateId,
          reason,
          at: new Date().toISOString(),
        });
        done(new ConnectionRefusedError(clientId, certificateId, reason), false);
      };
      const socket = client.conn instanceof TLSSocket ? client.conn : undefined;
      const peer = socket?.getPeerCertificate();
      if (socket === undefined || peer?.raw === undefined) {
        refuse(undefined, "no client certificate");
        return;
      }
      const certificateId = certificateIdOf(peer.raw);
      const certificateSubject = subjectFields(peer.subject);
      if (options.isRevokedByCa?.(peer.serialNumber) === true) {
        refuse(certificateId, `certificate ${certificateId} is revoked by its CA`);
        return;
      }
      const verdict = checkConnect(
        registry,
        { clientId, certificateId, certificateSubject },
        new Date(),
      );
      if (!verdict.allowed) {
        refuse(certificateId, verdict.reason);
        return;
      }
      const versionNumber = (versionNumbers.get(clientId) ?? 0) + 1;
      versionNumbers.set(clientId, versionNumber);
      connections.set(client, {
        client,
        clientId,
        certificateId,
        thingName: verdict.context.thingName,
        certificateSubject,
        authorizer: new ConnectionAuthorizer(verdict.policies, verdict.context),
        sessionIdentifier: randomUUID(),
        versionNumber,
        remoteAddress: socket.remoteAddress,
        connectedAt: undefined,
        ending: undefined,
        subscriptions: new Map(),
        publishes: new TokenBucket({
          capacity: quotas.publishesPerSecondPerConnection,
          perSecond: quotas.publishesPerSecondPerConnection,
          now: performance.now(),
        }),
      });
      // aedes closes the session holding this client id once this one registers.
      const previous = sessions.handle(clientId);
      if (previous !== undefined) {
        previous.ending ??= {
          reason: "DUPLICATE_CLIENTID",
          detail: `client id ${clientId} connected again from ${socket.remoteAddress ?? "an unknown address"}`,
        };
      }
      done(null, true);
    },

    authorizePublish(client, packet, done) {
      if (client === null) {
        done(null); // the broker's own messages (lifecycle events)
        return;
      }
      const connection = connections.get(client);
      if (connection === undefined) {
        done(new Error("PUBLISH from an unauthenticated connection"));
        return;
      }
      if (!connection.publishes.take(performance.now())) {
        throttlePublish(connection, packet);
        done(new Error("THROTTLED"));
        return;
      }
      const invalid = topicNameProblem(packet.topic) ?? payloadProblem(packet.payload);
      if (invalid !== undefined) {
        refuseInvalid(connection, "publish", packet.topic, invalid);
        done(new Error(invalid));
        return;
      }
      const reason = publishDenial(connection, packet);
      if (reason === undefined) {
        done(null);
        return;
      }
      // aedes asks again for the will message of a connection that is already closing.
      if (!client.closed) {
        connection.ending ??= { reason: "AUTH_ERROR", detail: reason };
        logger.info(
          { clientId: connection.clientId, topic: packet.topic, reason },
          "publish denied",
        );
        emit({
          kind: "publish-denied",
          clientId: connection.clientId,
          certificateId: connection.certificateId,
          topic: packet.topic,
          reason,
          at: new Date().toISOString(),
        });
      }
      done(new Error(reason));
    },

    authorizeSubscribe(client, subscription, done) {
      const connection = connections.get(client);
      if (connection === undefined) {
        done(new Error("SUBSCRIBE from an unauthenticated connection"));
        return;
      }
      const invalid = topicFilterProblem(subscription.topic);
      if (invalid !== undefined) {
        refuseInvalid(connection, "subscribe", subscription.topic, invalid);
        done(new Error(invalid));
        return;
      }
      const { subscriptions } = connection;
      if (
        !subscriptions.has(subscription.topic) &&
        subscriptions.size >= quotas.subscriptionsPerConnection
      ) {
        const reason = `more than ${quotas.subscriptionsPerConnection} subscriptions on this connection (AWS IoT Core quota "Subscriptions per connection")`;
        refuseInvalid(connection, "subscribe", subscription.topic, reason);
        done(new Error("subscriptions per connection exceeded"));
        return;
      }
      const decision = connection.authorizer.authorize("iot:Subscribe", subscription.topic);
      if (decision.allowed) {
        // Counted at once: the filters of one SUBSCRIBE are authorized before any is recorded.
        subscriptions.set(subscription.topic, subscriptions.get(subscription.topic) ?? 0);
        done(null, subscription);
        return;
      }
      const reason = describeDenial("iot:Subscribe", subscription.topic, decision);
      connection.ending ??= { reason: "AUTH_ERROR", detail: reason };
      logger.info(
        { clientId: connection.clientId, topicFilter: subscription.topic, reason },
        "subscribe denied",
      );
      emit({
        kind: "subscribe-denied",
        clientId: connection.clientId,
        certificateId: connection.certificateId,
        topicFilter: subscription.topic,
        reason,
        at: new Date().toISOString(),
      });
      done(new Error(reason));
    },

    authorizeForward(client, packet: AedesPublishPacket) {
      const connection = connections.get(client);
      if (connection === undefined) return null;
      return connection.authorizer.authorize("iot:Receive", packet.topic).allowed ? packet : null;
    },
  });

  /** A PUBLISH over the per-connection rate: the connection ends THROTTLED (see above). */
  function throttlePublish(connection: Connection, packet: PublishPacket): void {
    if (connection.ending !== undefined) return;
    const reason = `more than ${quotas.publishesPerSecondPerConnection} publishes per second on this connection (AWS IoT Core quota "Publish requests per second per connection")`;
    connection.ending = { reason: "THROTTLED", detail: reason };
    logger.info(
      { clientId: connection.clientId, topic: packet.topic, reason },
      "publish throttled",
    );
    emit({
      kind: "publish-throttled",
      clientId: connection.clientId,
      certificateId: connection.certificateId,
      topic: packet.topic,
      reason,
      at: new Date().toISOString(),
    });
  }

  /**
   * A PUBLISH or SUBSCRIBE breaking MQTT 3.1.1's topic rules, AWS's size limits or the
   * subscriptions per connection: the connection ends CLIENT_ERROR, as AWS IoT ends one over
   * the payload limit (see `message-limits.ts`).
   */
  function refuseInvalid(
    connection: Connection,
    packet: "publish" | "subscribe",
    topic: string,
    reason: string,
  ): void {
    if (connection.ending !== undefined) return;
    connection.ending = { reason: "CLIENT_ERROR", detail: reason };
    const { clientId, certificateId } = connection;
    const at = new Date().toISOString();
    logger.info({ clientId, topic, reason }, `${packet} refused`);
    if (packet === "publish") {
      emit({ kind: "publish-denied", clientId, certificateId, topic, reason, at });
    } else {
      emit({ kind: "subscribe-denied", clientId, certificateId, topicFilter: topic, reason, at });
    }
  }

  broker.on("clientReady", (client) => {
    const connection = connections.get(client);
    if (connection === undefined) return;
    const at = new Date();
    connection.connectedAt = at.toISOString();
    sessions.add(
      {
        clientId: connection.clientId,
        certificateId: connection.certificateId,
        ...(connection.thingName === undefined ? {} : { thingName: connection.thingName }),
        connectedAt: connection.connectedAt,
        ...(connection.remoteAddress === undefined
          ? {}
          : { remoteAddress: connection.remoteAddress }),
        sessionIdentifier: connection.sessionIdentifier,
      },
      connection,
    );
    logger.info(
      {
        clientId: connection.clientId,
        certificateId: connection.certificateId,
        thingName: connection.thingName,
      },
      "client connected",
    );
    emit({
      kind: "client-connected",
      clientId: connection.clientId,
      certificateId: connection.certificateId,
      ...(connection.thingName === undefined ? {} : { thingName: connection.thingName }),
      ...(connection.remoteAddress === undefined
        ? {}
        : { remoteAddress: connection.remoteAddress }),
      sessionIdentifier: connection.sessionIdentifier,
      at: connection.connectedAt,
    });
    publishPresence(connection.clientId, connectedPresence(presenceOf(connection), at));
  });

  broker.on("subscribe", (subscriptions, client) => {
    const connection = connections.get(client);
    for (const { topic, qos } of subscriptions) connection?.subscriptions.set(topic, qos);
  });

  broker.on("unsubscribe", (topicFilters, client) => {
    const connection = connections.get(client);
    for (const topic of topicFilters) connection?.subscriptions.delete(topic);
  });

  broker.on("publish", (packet, client) => {
    if (client === null) return;
    const connection = connections.get(client);
    if (connection === undefined) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const receivedAt = Date.now();
    for (const rule of rules) {
      if (topicMatchesFilter(rule.topicFilter, packet.topic)) {
        rule.handle({ topic: packet.topic, payload, clientId: connection.clientId, receivedAt });
      }
    }
    const service = services.find((candidate) => candidate.handles(packet.topic));
    if (service === undefined) return;
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
          if (reply !== undefined) replyTo(connection, reply);
        },
        (error: unknown) =>
          logger.error(
            { clientId: connection.clientId, topic: packet.topic, err: error },
            "service failed",
          ),
      );
    servicesUnderWay.add(handled);
    void handled.finally(() => servicesUnderWay.delete(handled));
  });

  /** Delivers a service reply to one client, as AWS IoT does (see the notes above). */
  function replyTo(connection: Connection, reply: ServiceReply): void {
    const { client, clientId } = connection;
    if (client.closed || connection.ending !== undefined) return;
    const qos = [...connection.subscriptions]
      .filter(([filter]) => topicMatchesFilter(filter, reply.topic))
      .reduce<number | undefined>((max, [, granted]) => Math.max(max ?? 0, granted), undefined);
    if (qos === undefined) {
      logger.info({ clientId, topic: reply.topic }, "reply dropped: client not subscribed");
      return;
    }
    // client.publish passes authorizeForward, which applies the iot:Receive policy.
    client.publish(
      {
        cmd: "publish",
        topic: reply.topic,
        payload: Buffer.from(JSON.stringify(reply.payload)),
        qos: Math.min(qos, 1) as 0 | 1,
        retain: false,
        dup: false,
      },
      (error) => {
        if (error) logger.warn({ clientId, topic: reply.topic, err: error }, "reply not delivered");
      },
    );
  }

  broker.on("keepaliveTimeout", (client) => {
    const connection = connections.get(client);
    if (connection)
      connection.ending ??= { reason: "MQTT_KEEP_ALIVE_TIMEOUT", detail: "keep-alive timeout" };
  });

  broker.on("clientError", (client, error) => {
    const connection = connections.get(client);
    if (error instanceof PacketTooLargeError) {
      logger.info({ clientId: client.id, reason: error.message }, "packet refused");
    }
    if (connection) connection.ending ??= { reason: "CLIENT_ERROR", detail: error.message };
  });

  // A packet too large before CONNECT: no client id to name yet.
  broker.on("connectionError", (_client, error) => {
    if (error instanceof PacketTooLargeError)
      logger.info({ reason: error.message }, "packet refused");
  });

  broker.on("clientDisconnect", (client) => {
    const connection = connections.get(client);
    if (connection?.connectedAt === undefined) return;
    sessions.remove(connection.clientId, connection);
    const reason: DisconnectReason =
      connection.ending?.reason ??
      (closing
        ? "SERVER_INITIATED_DISCONNECT"
        : sentDisconnect(client)
          ? "CLIENT_INITIATED_DISCONNECT"
          : "CONNECTION_LOST");
    const detail = connection.ending?.detail;
    logger.info(
      { clientId: connection.clientId, disconnectReason: reason, detail },
      "client disconnected",
    );
    emit({
      kind: "client-disconnected",
      clientId: connection.clientId,
      certificateId: connection.certificateId,
      ...(connection.thingName === undefined ? {} : { thingName: connection.thingName }),
      sessionIdentifier: connection.sessionIdentifier,
      disconnectReason: reason,
      ...(detail === undefined ? {} : { detail }),
      at: new Date().toISOString(),
    });
    publishPresence(
      connection.clientId,
      disconnectedPresence(presenceOf(connection), reason, new Date()),
    );
  });

  const stopWatchingRegistry = registry.onChange((change) => {
    const certificateIds = changedCertificates(change);
    for (const connection of sessions.handles()) {
      if (certificateIds.includes(connection.certificateId)) recheck(connection);
    }
  });

  /** Applies a registry change to a live connection: end it, or refresh its policies. */
  function recheck(connection: Connection): void {
    const { clientId, certificateId, certificateSubject } = connection;
    const verdict = checkConnection(
      registry,
      { clientId, certificateId, certificateSubject },
      new Date(),
    );
    if (!verdict.allowed) {
      end(connection, "AUTH_ERROR", verdict.reason);
    } else if (connection.thingName !== undefined && verdict.context.thingName === undefined) {
      end(
        connection,
        "AUTH_ERROR",
        `thing ${connection.thingName} was detached from certificate ${certificateId}`,
      );
    } else {
      connection.thingName = verdict.context.thingName;
      connection.authorizer.reset(verdict.policies, verdict.context);
    }
  }

  const server = createServer(
    {
      requestCert: true,
      rejectUnauthorized: true,
      ca: [options.caCertificatePem],
      cert: options.serverCertificate.certificatePem,
      key: options.serverCertificate.privateKeyPem,
      minVersion: "TLSv1.2",
    },
    (socket: TLSSocket) => limitPacketSize(broker.handle(socket), MAX_PACKET_BYTES),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error, socket) => {
    // Node verifies the client certificate once the handshake is done and drops the socket
    // when it fails; the verification error code is the useful part of what is left.
    if (closing) return;
    const reason = `TLS handshake refused: ${socket.authorizationError ?? error.message}`;
    logger.info({ reason }, "TLS handshake refused");
    emit({ kind: "tls-refused", reason, at: new Date().toISOString() });
  });
  const port = await listen(server, options.port, options.host);
  logger.info({ host: options.host, port }, "MQTT broker listening (mutual TLS)");

  let closed: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    sessions,
    publish(topic, payload) {
      if (closing) return;
      const packet: PublishPacket = {
        cmd: "publish",
        topic,
        payload: Buffer.from(JSON.stringify(payload)),
        qos: 1,
        retain: false,
        dup: false,
      };
      broker.publish(packet, (error) => {
        if (error) logger.warn({ topic, err: error }, "service message not published");
      });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        stopWatchingRegistry();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // Connections still in the TLS handshake are not aedes clients yet.
        for (const socket of sockets) socket.destroy();
        await serverClosed;
        await Promise.all(servicesUnderWay);
      })();
      return closed;
    },
  };
}

/** Why this PUBLISH is refused, or undefined when the policy allows it. */
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

function changedCertificates(change: RegistryChange): readonly string[] {
  return change.kind === "policy-version" ? change.certificateIds : [change.certificateId];
}

function presenceOf(connection: Connection) {
  return {
    clientId: connection.clientId,
    certificateId: connection.certificateId,
    sessionIdentifier: connection.sessionIdentifier,
    versionNumber: connection.versionNumber,
    ...(connection.remoteAddress === undefined ? {} : { ipAddress: connection.remoteAddress }),
  };
}

/** Subject fields by OpenSSL short name; a repeated field keeps its first value. */
function subjectFields(subject: PeerCertificate["subject"] | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(subject ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") fields[name] = first;
  }
  return fields;
}

/**
 * True when the client ended with an MQTT DISCONNECT. aedes records that only in a private
 * field (it decides whether to publish the will); the lifecycle event needs it too.
 */
function sentDisconnect(client: Client): boolean {
  return (client as Client & { _disconnected?: boolean })._disconnected === true;
}
