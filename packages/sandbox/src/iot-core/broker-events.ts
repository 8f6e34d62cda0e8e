import type { EventEmitter } from "node:events";

/**
 * Why a connection ended, with the values AWS IoT Core puts in `disconnectReason` of its
 * lifecycle events (developer guide, "Lifecycle events").
 */
export type DisconnectReason =
  | "AUTH_ERROR"
  | "CLIENT_ERROR"
  | "CLIENT_INITIATED_DISCONNECT"
  | "CONNECTION_LOST"
  | "DUPLICATE_CLIENTID"
  | "MQTT_KEEP_ALIVE_TIMEOUT"
  | "SERVER_INITIATED_DISCONNECT"
  | "THROTTLED";

interface EventBase {
  clientId: string;
  /** ISO 8601 time of the event. */
  at: string;
}

/**
 * A TLS connection dropped before MQTT: a client certificate not issued by the sandbox CA,
 * outside its validity dates, or missing. There is no client id yet; `reason` carries the
 * certificate verification error, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE.
 */
export interface TlsRefusedEvent {
  kind: "tls-refused";
  reason: string;
  at: string;
}

/**
 * CONNACK 5 "not authorized": the certificate, the client id or the policy refused the client;
 * or a CONNECT over the per-client-id rate, closed without a CONNACK (reason `THROTTLED: ...`).
 */
export interface ConnectRefusedEvent extends EventBase {
  kind: "connect-refused";
  certificateId?: string;
  reason: string;
}

/** A PUBLISH the policy denies; the broker closes the connection, as AWS IoT Core does. */
export interface PublishDeniedEvent extends EventBase {
  kind: "publish-denied";
  certificateId: string;
  topic: string;
  reason: string;
}

/**
 * A PUBLISH over AWS IoT's publish requests per second per connection; the broker ends the
 * connection with disconnectReason THROTTLED.
 */
export interface PublishThrottledEvent extends EventBase {
  kind: "publish-throttled";
  certificateId: string;
  topic: string;
  reason: string;
}

/**
 * A SUBSCRIBE the policy denies, or one past the subscriptions per connection; the broker
 * closes the connection, as AWS IoT Core does.
 */
export interface SubscribeDeniedEvent extends EventBase {
  kind: "subscribe-denied";
  certificateId: string;
  topicFilter: string;
  reason: string;
}

export interface ClientConnectedEvent extends EventBase {
  kind: "client-connected";
  certificateId: string;
  thingName?: string;
  remoteAddress?: string;
  sessionIdentifier: string;
}

export interface ClientDisconnectedEvent extends EventBase {
  kind: "client-disconnected";
  certificateId: string;
  thingName?: string;
  sessionIdentifier: string;
  disconnectReason: DisconnectReason;
  /** Why the broker closed the connection, e.g. "certificate <id> is REVOKED". */
  detail?: string;
}

export type SandboxEvent =
  | TlsRefusedEvent
  | ConnectRefusedEvent
  | PublishDeniedEvent
  | PublishThrottledEvent
  | SubscribeDeniedEvent
  | ClientConnectedEvent
  | ClientDisconnectedEvent;

/** Each event is emitted under its `kind`, and every event also under `"event"`. */
export interface SandboxEventMap {
  "tls-refused": [TlsRefusedEvent];
  "connect-refused": [ConnectRefusedEvent];
  "publish-denied": [PublishDeniedEvent];
  "publish-throttled": [PublishThrottledEvent];
  "subscribe-denied": [SubscribeDeniedEvent];
  "client-connected": [ClientConnectedEvent];
  "client-disconnected": [ClientDisconnectedEvent];
  event: [SandboxEvent];
}

export type SandboxEvents = EventEmitter<SandboxEventMap>;

export function emitSandboxEvent(events: SandboxEvents, event: SandboxEvent): void {
  (events as EventEmitter).emit(event.kind, event);
  events.emit("event", event);
}
