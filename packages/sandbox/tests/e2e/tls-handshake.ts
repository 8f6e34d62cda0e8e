import { type ConnectionOptions, type PeerCertificate, connect as tlsConnect } from "node:tls";
import type { ClientCredentials } from "./sandbox-fixture.ts";

/**
 * A bare TLS handshake with the broker (no MQTT) as a device with `credentials` makes it:
 * resolves what the client saw of the server, or the handshake's error message.
 */
export function tlsHandshake(
  port: number,
  credentials: ClientCredentials,
  options: ConnectionOptions = {},
): Promise<{ peer: PeerCertificate; alpnProtocol: string | false | null } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ...credentials, ...options });
    socket.once("secureConnect", () => {
      resolve({ peer: socket.getPeerCertificate(), alpnProtocol: socket.alpnProtocol });
      socket.destroy();
    });
    socket.once("error", (error) => resolve({ error: error.message }));
  });
}
