import { connect, ErrorWithReasonCode } from "mqtt";
import { isRefusingConnack } from "./connect-refusal.ts";
import type { MqttSession, OpenSession, SessionEnd } from "./session.ts";
import { readTlsMaterial } from "./tls-material.ts";

/**
 * `OpenSession` on mqtt.js 5: MQTT 3.1.1 over TLS with the device certificate, clean session,
 * and mqtt.js's own reconnect switched off (`reconnectPeriod: 0`) because its fixed interval
 * makes a fleet reconnect in lock-step; the caller's loop retries with jittered backoff.
 */
export const openMqttSession: OpenSession = async (target, handlers) => {
  const { ca, cert, key } = await readTlsMaterial(target.tls);
  const client = connect({
    protocol: "mqtts",
    host: target.host,
    port: target.port,
    ...(target.alpn !== undefined && { ALPNProtocols: [target.alpn] }),
    ca,
    cert,
    key,
    rejectUnauthorized: true,
    // AWS IoT Core accepts 3.1.1 and 5; the sandbox broker (aedes) speaks only 3.1.1.
    protocolVersion: 4,
    clientId: target.clientId,
    clean: true,
    keepalive: target.keepaliveSeconds,
    connectTimeout: target.connectTimeoutMs,
    reconnectPeriod: 0,
    // mqtt-packet otherwise pre-allocates 65,536 two-byte Buffers (about 6.5 MiB of heap that
    // every GC walks) to save an allocation per packet: not worth it at a message a second.
    writeCache: false,
  });

  let lastError: Error | undefined;
  let accepted = false;
  // Set once TLS is up: a close after this and before CONNACK is the broker's doing.
  let handshaken = false;
  client.stream.once("secureConnect", () => {
    handshaken = true;
  });
  let closing = false;
  let ended = false;

  const session: MqttSession = {
    async publish(topic, payload, qos) {
      await client.publishAsync(topic, payload, { qos });
    },
    async subscribe(filters) {
      const granted = await client.subscribeAsync([...filters], { qos: 1 });
      // MQTT 3.1.1 SUBACK return code 0x80: the broker refused that filter.
      const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
      if (refused.length > 0) throw new Error(`subscription refused: ${refused.join(", ")}`);
    },
    async close() {
      closing = true;
      if (ended) return;
      if (!client.connected) {
        await client.endAsync(true);
        return;
      }
      // A clean DISCONNECT waits for in-flight QoS 1 acks; a dead peer must not hold us forever.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, target.closeTimeoutMs);
      });
      await Promise.race([client.endAsync(false), timeout]);
      clearTimeout(timer);
      // end() is a no-op once disconnecting, so a stuck DISCONNECT is cut at the socket.
      if (!ended) client.stream.destroy();
    },
  };

  client.on("connect", () => {
    accepted = true;
    handlers.onConnected(session);
  });
  client.on("message", (topic, payload) => handlers.onMessage?.(topic, payload));
  // mqtt.js emits the cause (TLS failure, refused CONNACK, keepalive timeout) before "close".
  client.on("error", (error) => {
    lastError = error;
  });
  client.on("close", () => {
    if (ended) return;
    ended = true;
    // Release mqtt.js's stores and timers; with reconnectPeriod 0 it would not retry anyway.
    client.end(true);
    if (!closing) handlers.onEnded(describeEnd(lastError, { accepted, handshaken }));
  });
  return session;
};

/** The alert a server sends for a client certificate past its notAfter (Node's code for it). */
const CERTIFICATE_EXPIRED_ALERT = "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED";

/** TLS alerts by which a server rejects the client certificate itself (RFC 8446 6.2). */
const CERTIFICATE_REJECTED_ALERTS = new Set([
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
  CERTIFICATE_EXPIRED_ALERT,
]);

/** mqtt.js's error when no CONNACK came within `connectTimeout`: a silent broker, not a refusal. */
const CONNACK_TIMEOUT = "connack timeout";

function describeEnd(
  error: Error | undefined,
  attempt: { accepted: boolean; handshaken: boolean },
): SessionEnd {
  if (attempt.accepted) return { reason: error?.message ?? "connection closed" };
  // Before CONNACK 0, a reason-coded error is the broker refusing the connection.
  if (error instanceof ErrorWithReasonCode) {
    return {
      reason: error.message,
      returnCode: error.code,
      certificateRejected: isRefusingConnack(error.code),
    };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && CERTIFICATE_REJECTED_ALERTS.has(code)) {
    const reason = error?.message ?? code;
    if (code === CERTIFICATE_EXPIRED_ALERT) {
      return { reason, certificateRejected: true, certificateExpired: true };
    }
    return { reason, certificateRejected: true };
  }
  // AWS IoT Core may close the connection of a client it does not authorize instead of
  // answering CONNACK 5 (see `connect-refusal.ts`): after TLS is up, that close is a refusal.
  if (attempt.handshaken && error?.message !== CONNACK_TIMEOUT) {
    const cause = error === undefined ? "" : ` (${error.message})`;
    return {
      reason: `closed by the broker before CONNACK${cause}`,
      certificateRejected: true,
      closedBeforeConnack: true,
    };
  }
  return { reason: error?.message ?? "connection closed" };
}
