/**
 * The port between the reconnect loop and an MQTT library: one session is one network
 * connection attempt and, if the broker accepts it, the connection that follows. The loop
 * opens a fresh session per attempt, so a rotated certificate on disk is picked up on the
 * next connect.
 */

/** What a session connects to and as whom. */
export interface SessionTarget {
  /** MQTT client id: the thing name (AWS IoT binds it to the certificate's thing). */
  clientId: string;
  host: string;
  port: number;
  /** ALPN protocol name to offer (`x-amzn-mqtt-ca` for AWS IoT Core on port 443). */
  alpn?: string;
  /** Absolute paths of the PEM files, read on every attempt. */
  tls: { caFile: string; certFile: string; keyFile: string };
  keepaliveSeconds: number;
  /** Give up on an attempt that has no CONNACK after this long. */
  connectTimeoutMs: number;
  /** Longest wait for a clean DISCONNECT (pending QoS 1 acks) when closing. */
  closeTimeoutMs: number;
}

/** Why a session ended; reported once per session. */
export interface SessionEnd {
  reason: string;
  /** CONNACK return code when the broker refused the connection (5 = not authorized). */
  returnCode?: number;
  /**
   * The broker refused the device itself (see `connect-refusal.ts`): a refusing CONNACK (5,
   * or a code outside the MQTT specifications), a TLS alert naming the certificate (AWS IoT
   * Core is reported to fail the handshake for a deactivated one), or a close after the TLS
   * handshake and before any CONNACK.
   */
  certificateRejected?: boolean;
  /**
   * The refusal was a close before CONNACK, which is also how AWS IoT Core hangs up on a
   * CONNECT over its per-client-id rate: one alone does not prove the credentials refused.
   */
  closedBeforeConnack?: boolean;
  /**
   * The refusal was the TLS alert `certificate_expired`: the certificate will never be accepted
   * again, so there is nothing to wait for.
   */
  certificateExpired?: boolean;
}

export interface SessionHandlers {
  /** The broker accepted the connection (CONNACK 0); `session` is the one being opened. */
  onConnected(session: MqttSession): void;
  /** The session is over (failed attempt, refusal or lost connection); not called after `close`. */
  onEnded(end: SessionEnd): void;
  /** A message arrived on a topic this session subscribed to. */
  onMessage?(topic: string, payload: Buffer): void;
}

export interface MqttSession {
  /** Resolves once the broker acknowledged a QoS 1 message (at once for QoS 0). */
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  /** Subscribes at QoS 1; resolves on SUBACK, rejects when the broker refuses a filter. */
  subscribe(filters: readonly string[]): Promise<void>;
  /** Sends DISCONNECT when connected, then closes the socket. */
  close(): Promise<void>;
}

/** Starts connecting; throws (e.g. `TlsMaterialError`) when the attempt cannot even start. */
export type OpenSession = (
  target: SessionTarget,
  handlers: SessionHandlers,
) => Promise<MqttSession>;
