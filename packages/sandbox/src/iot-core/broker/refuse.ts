import { emitSandboxEvent } from "../broker-events.ts";
import type { BrokerContext } from "./broker-context.ts";
import type { Connection } from "./connection.ts";

/**
 * How a refused PUBLISH or SUBSCRIBE ends its connection: AUTH_ERROR for a policy denial,
 * CLIENT_ERROR for a broken MQTT rule or AWS limit, THROTTLED for the publish rate.
 */
export type PacketRefusalReason = "AUTH_ERROR" | "CLIENT_ERROR" | "THROTTLED";

/** Everything the broker refuses or denies, from the TLS handshake to a SUBSCRIBE. */
export type Refusal =
  | { of: "tls"; reason: string }
  /** Names `certificateId` once the client certificate was read, even when it had none. */
  | { of: "connect"; clientId: string; certificateId?: string | undefined; reason: string }
  | {
      of: "publish";
      connection: Connection;
      topic: string;
      ending: PacketRefusalReason;
      reason: string;
    }
  | {
      of: "subscribe";
      connection: Connection;
      topicFilter: string;
      ending: Exclude<PacketRefusalReason, "THROTTLED">;
      reason: string;
    };

/** The log message of each packet refusal; the log says denied only for a policy decision. */
const PACKET_LOG_MESSAGES = {
  publish: {
    AUTH_ERROR: "publish denied",
    CLIENT_ERROR: "publish refused",
    THROTTLED: "publish throttled",
  },
  subscribe: { AUTH_ERROR: "subscribe denied", CLIENT_ERROR: "subscribe refused" },
} as const;

/**
 * Reports a refusal: records why its connection ends, logs it and emits its sandbox event.
 * Every refusal and denial of the broker goes through here. A policy denial (AUTH_ERROR) is
 * reported each time, since each names its own topic; a limit (CLIENT_ERROR, THROTTLED) only
 * when it is what ends the connection, so a flood past a limit is reported once.
 */
export function refuse(broker: BrokerContext, refusal: Refusal): void {
  const { logger, events } = broker;
  switch (refusal.of) {
    case "tls": {
      const { reason } = refusal;
      logger.info({ reason }, "TLS handshake refused");
      emitSandboxEvent(events, { kind: "tls-refused", reason, at: new Date().toISOString() });
      return;
    }
    case "connect": {
      const { of: _, ...fields } = refusal;
      logger.info(fields, "connection refused");
      emitSandboxEvent(events, {
        kind: "connect-refused",
        ...fields,
        at: new Date().toISOString(),
      });
      return;
    }
    default: {
      const { connection, ending, reason } = refusal;
      if (!endsWith(connection, ending, reason)) return;
      const { clientId, certificateId } = connection;
      const at = new Date().toISOString();
      if (refusal.of === "publish") {
        const { topic } = refusal;
        logger.info({ clientId, topic, reason }, PACKET_LOG_MESSAGES.publish[refusal.ending]);
        const kind = ending === "THROTTLED" ? "publish-throttled" : "publish-denied";
        emitSandboxEvent(events, { kind, clientId, certificateId, topic, reason, at });
      } else {
        const { topicFilter } = refusal;
        // The log has always named a filter refused by a limit `topic`.
        const logged =
          ending === "AUTH_ERROR"
            ? { clientId, topicFilter, reason }
            : { clientId, topic: topicFilter, reason };
        logger.info(logged, PACKET_LOG_MESSAGES.subscribe[refusal.ending]);
        const kind = "subscribe-denied";
        emitSandboxEvent(events, { kind, clientId, certificateId, topicFilter, reason, at });
      }
    }
  }
}

/** Records `ending` as why the connection ends; false when a limit comes after another reason. */
function endsWith(connection: Connection, ending: PacketRefusalReason, reason: string): boolean {
  if (ending === "AUTH_ERROR") {
    connection.ending ??= { reason: ending, detail: reason };
    return true;
  }
  if (connection.ending !== undefined) return false;
  connection.ending = { reason: ending, detail: reason };
  return true;
}
