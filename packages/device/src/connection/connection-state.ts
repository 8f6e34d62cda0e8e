import { InvalidStateTransitionError } from "../errors.ts";

/**
 * Lifecycle of the device's MQTT connection:
 *
 *   idle -> connecting -> connected -> backoff -> connecting -> ...
 *   any state but stopped -> stopping -> stopped
 *
 * `backoff` waits a jittered delay after a failed attempt, a refused CONNACK or a lost
 * connection. Provisioning by claim runs before this loop starts (see `DevicePhase` in
 * `device.ts` and `ProvisioningState`).
 *
 *   connecting -> idle           (refused as not authorized `refusalLimit` times in a row: the
 *                                 device provisions again, then starts the loop anew)
 *   idle -> backoff              (started or switched again less than the CONNECT spacing
 *                                 after the previous attempt)
 */
export type ConnectionState =
  | "idle"
  | "connecting"
  | "connected"
  | "backoff"
  | "stopping"
  | "stopped";

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ["connecting", "backoff", "stopping"],
  connecting: ["connected", "backoff", "idle", "stopping"],
  connected: ["backoff", "stopping"],
  backoff: ["connecting", "stopping"],
  stopping: ["stopped"],
  stopped: [],
};

export function assertTransition(from: ConnectionState, to: ConnectionState): void {
  if (!TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError({ from, to });
}
