import * as z from "zod";
import { PRESENCE_TOPIC_FILTER } from "./topics.ts";

/**
 * AWS IoT lifecycle (presence) events, which the broker itself publishes on
 * `$aws/events/presence/{connected|disconnected}/{clientId}` (see PRESENCE_TOPIC_FILTER).
 * Shapes follow "Lifecycle events" in the AWS IoT Core developer guide. AWS notes that these
 * messages may arrive out of order or more than once; `versionNumber` orders the events of one
 * client id.
 */

/**
 * Disconnect reasons AWS documents. The payload field stays an open string so that a reason AWS
 * adds later does not make every such event fail validation; consumers that need a bounded set
 * (metric dimensions) map anything else with `knownDisconnectReason`.
 */
export const DISCONNECT_REASONS = [
  "AUTH_ERROR",
  "CLIENT_INITIATED_DISCONNECT",
  "CLIENT_ERROR",
  "CONNECTION_LOST",
  "DUPLICATE_CLIENTID",
  "FORBIDDEN_ACCESS",
  "MQTT_KEEP_ALIVE_TIMEOUT",
  "SERVER_ERROR",
  "SERVER_INITIATED_DISCONNECT",
  "THROTTLED",
  "WEBSOCKET_TTL_EXPIRATION",
  "CUSTOMAUTH_TTL_EXPIRATION",
  "API_INITIATED_DISCONNECT",
  "UNKNOWN",
  "NONE",
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** The documented reason, or `UNKNOWN` for a value AWS has not documented (or none at all). */
export function knownDisconnectReason(reason: string | undefined): DisconnectReason {
  return (DISCONNECT_REASONS as readonly string[]).includes(reason ?? "")
    ? (reason as DisconnectReason)
    : "UNKNOWN";
}

const PresenceEventBaseSchema = z.object({
  /** MQTT client id; for a provisioned device this is its thing name. */
  clientId: z.string().min(1),
  /** Milliseconds since the epoch, approximately when the event occurred. */
  timestamp: z.number().int().nonnegative(),
  /** Globally unique id of the MQTT session. */
  sessionIdentifier: z.string().min(1),
  /** For X.509 authentication, the certificate id; otherwise the IAM credentials used. */
  principalIdentifier: z.string(),
  /** Increases with each connection of a client id: orders its events. */
  versionNumber: z.number().int().nonnegative(),
  /** Only present when the client connects with the exclusive thing feature. */
  thingName: z.string().optional(),
});

export const PresenceConnectedEventSchema = PresenceEventBaseSchema.extend({
  eventType: z.literal("connected"),
  /** IPv4 or IPv6 address of the client; connect events only. */
  ipAddress: z.string().optional(),
});
export type PresenceConnectedEvent = z.infer<typeof PresenceConnectedEventSchema>;

export const PresenceDisconnectedEventSchema = PresenceEventBaseSchema.extend({
  eventType: z.literal("disconnected"),
  clientInitiatedDisconnect: z.boolean().optional(),
  disconnectReason: z.string().min(1).optional(),
});
export type PresenceDisconnectedEvent = z.infer<typeof PresenceDisconnectedEventSchema>;

/** The lifecycle events the presence function counts. */
export const PRESENCE_EVENT_TYPES = ["connected", "disconnected"] as const;

/**
 * The presence rule's SQL (version 2016-03-23): connect and disconnect events only. The topic
 * filter also matches `$aws/events/presence/connect_failed/{clientId}` (AWS IoT lifecycle
 * events, "Connect attempt failure event"), whose events carry no versionNumber or session: they
 * would fail the contract on every refused connection. Refused connections are AWS IoT's own
 * metrics to watch, not this function's.
 */
export const PRESENCE_RULE_SQL = `SELECT * FROM '${PRESENCE_TOPIC_FILTER}' WHERE ${PRESENCE_EVENT_TYPES.map((type) => `eventType = '${type}'`).join(" OR ")}`;

export const PresenceEventSchema = z.discriminatedUnion("eventType", [
  PresenceConnectedEventSchema,
  PresenceDisconnectedEventSchema,
]);
export type PresenceEvent = z.infer<typeof PresenceEventSchema>;
