import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer, type Server, type TLSSocket, type TlsOptions } from "node:tls";
import type { SessionTarget } from "../../src/connection/session.ts";
import type { TestPki } from "./test-pki.ts";

/**
 * A TLS server that answers each client's first bytes (its CONNECT) with `answer`: raw bytes
 * to write (a CONNACK mqtt.js would parse), or "close" to hang up without a CONNACK, as AWS IoT
 * Core does. `onSecure` sees each client's socket once TLS is up (its ALPN protocol, say).
 */
export async function startRawBroker(
  pki: TestPki,
  answer: Buffer | "close",
  options: { tls?: TlsOptions; onSecure?: (socket: TLSSocket) => void } = {},
): Promise<Server> {
  const server = createServer(
    {
      ca: pki.caPem,
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      requestCert: true,
      ...options.tls,
    },
    (socket: TLSSocket) => {
      options.onSecure?.(socket);
      socket.once("data", () => {
        if (answer === "close") socket.end();
        else socket.write(answer);
      });
      socket.on("error", () => {});
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

/** MQTT 3.1.1 CONNACK with `code` as its return code. */
export const connack = (code: number) => Buffer.from([0x20, 0x02, 0x00, code]);

/** Writes the PKI's CA and the device's pair into `dir` (ca.pem, cert.pem, key.pem 0600). */
export async function writeDeviceTlsFiles(pki: TestPki, dir: string): Promise<void> {
  await writeFile(join(dir, "ca.pem"), pki.caPem);
  await writeFile(join(dir, "cert.pem"), pki.device.certPem);
  await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
}

/** A session target for `server` with the files `writeDeviceTlsFiles` wrote into `dir`. */
export function rawBrokerTarget(server: Server, dir: string, clientId: string): SessionTarget {
  return {
    clientId,
    host: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    tls: {
      caFile: join(dir, "ca.pem"),
      certFile: join(dir, "cert.pem"),
      keyFile: join(dir, "key.pem"),
    },
    keepaliveSeconds: 30,
    connectTimeoutMs: 5_000,
    closeTimeoutMs: 1_000,
  };
}
