import { Aedes, type Client } from "aedes";
import type { Logger } from "pino";
import { authenticate, limitConnectRate } from "./broker/authenticate.ts";
import { authorizePublish } from "./broker/authorize-publish.ts";
import { authorizeReceive } from "./broker/authorize-receive.ts";
import { authorizeSubscribe } from "./broker/authorize-subscribe.ts";
import type { BrokerContext } from "./broker/broker-context.ts";
import type { Connection } from "./broker/connection.ts";
import { EarlyPackets } from "./broker/early-packets.ts";
import { jsonPublishPacket } from "./broker/json-packet.ts";
import { trackLifecycle } from "./broker/lifecycle.ts";
import { watchRegistry } from "./broker/registry-watch.ts";
import { routeClientMessages } from "./broker/route-messages.ts";
import { startTlsServer, type TlsServerOptions } from "./broker/tls-server.ts";
import type { SandboxEvents } from "./broker-events.ts";
import { AWS_BROKER_QUOTAS, type BrokerQuotas } from "./broker-quotas.ts";
import type { BrokerService } from "./broker-service.ts";
import type { IotRegistry } from "./registry.ts";
import { type Sessions, SessionTable } from "./sessions.ts";
import type { TopicRule } from "./topic-rule.ts";

export interface MqttBrokerOptions extends TlsServerOptions {
  registry: IotRegistry;
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
 *
 * The parts, in `broker/`, one per aedes hook as MQTT.js has one per packet: `authenticate`
 * (CONNECT), `authorize-publish`, `authorize-subscribe`, `authorize-receive` (deliveries),
 * `lifecycle` (sessions, takeover, disconnect reasons, presence), `registry-watch`,
 * `route-messages` (topic rules and services) and `tls-server`; every refusal and denial is
 * recorded, logged and emitted by `refuse`.
 */
export async function startMqttBroker(options: MqttBrokerOptions): Promise<MqttBroker> {
  const { registry, logger } = options;
  const broker: BrokerContext = {
    logger,
    events: options.events,
    quotas: { ...AWS_BROKER_QUOTAS, ...options.quotas },
    connections: new WeakMap<Client, Connection>(),
    earlyPackets: new EarlyPackets(),
    sessions: new SessionTable<Connection>(),
    closing: false,
  };
  const aedes = await Aedes.createBroker({
    // AWS IoT allows client ids of up to 128 characters; aedes defaults to 23.
    maxClientsIdLength: 128,
    preConnect: limitConnectRate(broker),
    authenticate: authenticate(broker, registry, options.isRevokedByCa),
    authorizePublish: authorizePublish(broker),
    authorizeSubscribe: authorizeSubscribe(broker),
    authorizeForward: authorizeReceive(broker),
  });
  broker.earlyPackets.settleOnConnack(aedes, broker.connections);
  trackLifecycle(broker, aedes);
  const servicesUnderWay = routeClientMessages(
    broker,
    aedes,
    options.rules ?? [],
    options.services ?? [],
  );
  const stopWatchingRegistry = watchRegistry(broker, registry);
  const tls = await startTlsServer(broker, aedes, options);

  let closed: Promise<void> | undefined;
  return {
    host: options.host,
    port: tls.port,
    sessions: broker.sessions,
    publish(topic, payload) {
      if (broker.closing) return;
      aedes.publish(jsonPublishPacket(topic, payload, 1), (error) => {
        if (error) logger.warn({ topic, err: error }, "service message not published");
      });
    },
    close() {
      closed ??= (async () => {
        broker.closing = true;
        stopWatchingRegistry();
        const serverClosed = tls.stopListening();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        tls.dropHandshakes();
        await serverClosed;
        await servicesUnderWay.settled();
      })();
      return closed;
    },
  };
}
