import type { Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import type { Aedes } from "aedes";
import { listen } from "../../listen.ts";
import type { BrokerContext } from "./broker-context.ts";
import { MAX_PACKET_BYTES } from "./message-limits.ts";
import { limitPacketSize } from "./packet-size-guard.ts";
import { refuse } from "./refuse.ts";

export interface TlsServerOptions {
  /** The only CA whose client certificates pass the handshake. */
  caCertificatePem: string;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface TlsServer {
  readonly port: number;
  /** Stops accepting connections; resolves once every connection is closed. */
  stopListening(): Promise<void>;
  /** Drops the connections still in the TLS handshake: they are not aedes clients yet. */
  dropHandshakes(): void;
}

/**
 * The ALPN protocol name AWS IoT Core requires of MQTT clients with X.509 certificates on port
 * 443 ("Protocols, port mappings, and authentication",
 * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html). The sandbox's one
 * listener serves both ways: clients that offer no ALPN (port 8883 on AWS) and clients that offer
 * this name; a client offering only other names is refused in the handshake, as on AWS.
 */
export const MQTT_ALPN_PROTOCOL = "x-amzn-mqtt-ca";

/**
 * The mutual TLS listener in front of aedes: a client certificate from the CA is required, TLS
 * 1.2 at least, and each MQTT connection's packets are size-limited before aedes reads them.
 */
export async function startTlsServer(
  broker: BrokerContext,
  aedes: Aedes,
  options: TlsServerOptions,
): Promise<TlsServer> {
  const server = createServer(
    {
      requestCert: true,
      rejectUnauthorized: true,
      ca: [options.caCertificatePem],
      cert: options.serverCertificate.certificatePem,
      key: options.serverCertificate.privateKeyPem,
      minVersion: "TLSv1.2",
      ALPNProtocols: [MQTT_ALPN_PROTOCOL],
    },
    (socket: TLSSocket) => limitPacketSize(aedes.handle(socket), MAX_PACKET_BYTES),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error, socket) => {
    // Node verifies the client certificate once the handshake is done and drops the socket
    // when it fails; the verification error code is the useful part of what is left.
    if (broker.closing) return;
    const reason = `TLS handshake refused: ${socket.authorizationError ?? error.message}`;
    refuse(broker, { of: "tls", reason });
  });
  const port = await listen(server, options.port, options.host);
  broker.logger.info({ host: options.host, port }, "MQTT broker listening (mutual TLS)");
  return {
    port,
    stopListening: () => new Promise<void>((resolve) => server.close(() => resolve())),
    dropHandshakes: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
