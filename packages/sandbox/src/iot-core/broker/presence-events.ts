import { presenceTopic } from "@fleet/core/contracts";
import type { DisconnectReason } from "../broker-events.ts";

/**
 * AWS IoT lifecycle (presence) messages, with the fields AWS documents for connections
 * authenticated by an X.509 certificate, where `principalIdentifier` is the certificate id.
 * `versionNumber` grows with each connection of a client id and is shared by its connected
 * and disconnected messages, so subscribers can order them.
 */
export interface PresenceConnection {
  clientId: string;
  certificateId: string;
  sessionIdentifier: string;
  versionNumber: number;
  ipAddress?: string;
}

export function connectedPresence(connection: PresenceConnection, at: Date) {
  return {
    topic: presenceTopic("connected", connection.clientId),
    payload: {
      clientId: connection.clientId,
      timestamp: at.getTime(),
      eventType: "connected",
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: connection.certificateId,
      ipAddress: connection.ipAddress ?? "",
      versionNumber: connection.versionNumber,
    },
  } as const;
}

export function disconnectedPresence(
  connection: PresenceConnection,
  reason: DisconnectReason,
  at: Date,
) {
  return {
    topic: presenceTopic("disconnected", connection.clientId),
    payload: {
      clientId: connection.clientId,
      timestamp: at.getTime(),
      eventType: "disconnected",
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: connection.certificateId,
      clientInitiatedDisconnect: reason === "CLIENT_INITIATED_DISCONNECT",
      disconnectReason: reason,
      versionNumber: connection.versionNumber,
    },
  } as const;
}

/** "Client IDs that contain # or + do not receive lifecycle events" (AWS lifecycle events). */
export function hasPresenceEvents(clientId: string): boolean {
  return !clientId.includes("#") && !clientId.includes("+");
}
