// The programmatic API of the device client; the bin (`fleet-device`) is a thin shell on it.
export type { Clock, TimerHandle, Timers } from "./clock.ts";
export * from "./config.ts";
export type { ConnectionState } from "./connection/connection-state.ts";
export type { ConnectionEvents } from "./connection/device-connection.ts";
export { openMqttSession } from "./connection/mqtt-session.ts";
export type * from "./connection/session.ts";
export * from "./device.ts";
export * from "./errors.ts";
export * from "./identity/detect-serial.ts";
export type { CredentialsState } from "./provisioning/credential-store.ts";
export type {
  ProvisioningFailure,
  ProvisioningResult,
} from "./provisioning/provision-by-claim.ts";
export type { ProvisioningState } from "./provisioning/provisioning-state.ts";
export { CLIENT_VERSION } from "./version.ts";
