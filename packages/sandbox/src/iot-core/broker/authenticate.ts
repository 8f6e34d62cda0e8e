import { type PeerCertificate, TLSSocket } from "node:tls";
import { certificateIdOf } from "@fleet/core/contracts";
import type { AuthenticateHandler, PreConnectHandler } from "aedes";
import {
  ClientIdRejectedError,
  ConnectionRefusedError,
  ConnectThrottledError,
} from "../../errors.ts";
import { KeyedTokenBuckets } from "../keyed-token-buckets.ts";
import type { IotRegistry } from "../registry.ts";
import type { BrokerContext } from "./broker-context.ts";
import { checkConnect } from "./connect-check.ts";
import { newConnection } from "./connection.ts";
import { markTakeover } from "./lifecycle.ts";
import { clientIdProblem } from "./message-limits.ts";
import { refuse } from "./refuse.ts";

/**
 * aedes `preConnect`: the quota "connect requests per second per client ID". A CONNECT within
 * a second of the previous one of its client id is dropped without a CONNACK, as AWS IoT does.
 */
export function limitConnectRate(broker: BrokerContext): PreConnectHandler {
  const perSecond = broker.quotas.connectsPerSecondPerClientId;
  /** Each client id's share of the quota. */
  const connectRates = new KeyedTokenBuckets({ capacity: 1, perSecond });
  return (client, packet, done) => {
    const clientId = packet.clientId;
    if (connectRates.take(clientId, performance.now())) {
      done(null, true);
      return;
    }
    const reason = `THROTTLED: more than ${perSecond} CONNECT per second for client id ${clientId} (AWS IoT Core quota "Connect requests per second per client ID"); closed without CONNACK`;
    refuse(broker, { of: "connect", clientId, reason });
    broker.earlyPackets.settle(client, undefined); // no CONNACK will settle them
    // An error (not just `false`) makes aedes close the socket without a CONNACK.
    done(new ConnectThrottledError(clientId, reason), false);
  };
}

/**
 * aedes `authenticate`: the client id's MQTT and AWS limits, then the client certificate of
 * the mutual TLS handshake as the principal, its CA revocation, the registry and the
 * iot:Connect policy (`checkConnect`). A refused client gets CONNACK 5 "not authorized"; an
 * accepted one becomes a `Connection` with the policies it is authorized by.
 */
export function authenticate(
  broker: BrokerContext,
  registry: IotRegistry,
  isRevokedByCa: ((serialNumber: string) => boolean) | undefined,
): AuthenticateHandler {
  /** How many times each client id connected: the `versionNumber` of its lifecycle events. */
  const versionNumbers = new Map<string, number>();
  return (client, _username, _password, done) => {
    const clientId = client.id;
    const badClientId = clientIdProblem(clientId);
    if (badClientId !== undefined) {
      refuse(broker, { of: "connect", clientId, reason: badClientId });
      done(new ClientIdRejectedError(clientId, badClientId), false);
      return;
    }
    const refuseCertificate = (certificateId: string | undefined, reason: string) => {
      refuse(broker, { of: "connect", clientId, certificateId, reason });
      done(new ConnectionRefusedError(clientId, certificateId, reason), false);
    };
    const socket = client.conn instanceof TLSSocket ? client.conn : undefined;
    const peer = socket?.getPeerCertificate();
    if (socket === undefined || peer?.raw === undefined) {
      refuseCertificate(undefined, "no client certificate");
      return;
    }
    const certificateId = certificateIdOf(peer.raw);
    const certificateSubject = subjectFields(peer.subject);
    if (isRevokedByCa?.(peer.serialNumber) === true) {
      refuseCertificate(certificateId, `certificate ${certificateId} is revoked by its CA`);
      return;
    }
    const attempt = { clientId, certificateId, certificateSubject };
    const verdict = checkConnect(registry, attempt, new Date());
    if (!verdict.allowed) {
      refuseCertificate(certificateId, verdict.reason);
      return;
    }
    const versionNumber = (versionNumbers.get(clientId) ?? 0) + 1;
    versionNumbers.set(clientId, versionNumber);
    const connection = newConnection(client, attempt, verdict, {
      versionNumber,
      remoteAddress: socket.remoteAddress,
      publishesPerSecond: broker.quotas.publishesPerSecondPerConnection,
    });
    broker.connections.set(client, connection);
    markTakeover(broker, clientId, socket.remoteAddress);
    done(null, true);
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
