import type { DisconnectReason } from "../broker-events.ts";
import type { IotRegistry, RegistryChange } from "../registry.ts";
import type { BrokerContext } from "./broker-context.ts";
import { checkConnection } from "./connect-check.ts";
import type { Connection } from "./connection.ts";

/**
 * Applies every registry change to the live connections of the certificates it touches, as AWS
 * IoT disconnects the devices of a certificate that is no longer ACTIVE; returns how to stop.
 */
export function watchRegistry(broker: BrokerContext, registry: IotRegistry): () => void {
  return registry.onChange((change) => {
    const certificateIds = changedCertificates(change);
    for (const connection of broker.sessions.handles()) {
      if (certificateIds.includes(connection.certificateId)) recheck(registry, connection);
    }
  });
}

/** End the connection, or refresh its policies and thing. */
function recheck(registry: IotRegistry, connection: Connection): void {
  const { clientId, certificateId, certificateSubject } = connection;
  const verdict = checkConnection(
    registry,
    { clientId, certificateId, certificateSubject },
    new Date(),
  );
  if (!verdict.allowed) {
    endConnection(connection, "AUTH_ERROR", verdict.reason);
  } else if (connection.thingName !== undefined && verdict.context.thingName === undefined) {
    endConnection(
      connection,
      "AUTH_ERROR",
      `thing ${connection.thingName} was detached from certificate ${certificateId}`,
    );
  } else {
    connection.thingName = verdict.context.thingName;
    connection.authorizer.reset(verdict.policies, verdict.context);
  }
}

function changedCertificates(change: RegistryChange): readonly string[] {
  switch (change.kind) {
    case "policy-version":
      return change.certificateIds;
    case "thing-group-membership":
      return [];
    default:
      return [change.certificateId];
  }
}

/** Marks why the broker ends a connection (the first reason wins) and closes it. */
function endConnection(connection: Connection, reason: DisconnectReason, detail: string): void {
  connection.ending ??= { reason, detail };
  connection.client.close();
}
