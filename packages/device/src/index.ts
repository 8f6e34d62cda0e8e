// The programmatic API of the device client; the bin (`fleet-device`) is a thin shell on it.
export type { Clock, TimerHandle, Timers } from "./clock.ts";
export * from "./config.ts";
export type { ConnectionState } from "./connection/connection-state.ts";
export type {
  ConnectionEvents,
  SwitchOutcome,
  TlsFiles,
} from "./connection/device-connection.ts";
export { openMqttSession } from "./connection/mqtt-session.ts";
export type * from "./connection/session.ts";
export * from "./device.ts";
export * from "./errors.ts";
export * from "./identity/detect-serial.ts";
export { EXIT_REBOOT_COMMAND, REBOOT_EXIT_CODE } from "./jobs/reboot.ts";
export type * from "./jobs/step-handler.ts";
export type { CredentialsState } from "./provisioning/credential-store.ts";
export type {
  ProvisioningFailure,
  ProvisioningResult,
} from "./provisioning/provision-by-claim.ts";
export type { ProvisioningState } from "./provisioning/provisioning-state.ts";
export type { RotationProgress } from "./rotation/rotation-progress.ts";
export { DEVICE_ENVIRONMENT, DEVICE_NODE_FLAGS } from "./runtime-flags.ts";
export type { DeviceSettingsStore } from "./settings/device-settings.ts";
export type { BufferStats } from "./telemetry/offline-buffer.ts";
export { createLedSource, type LedSource } from "./telemetry/sources/led.ts";
export { createSystemSource, type SystemSourceOptions } from "./telemetry/sources/system.ts";
export type * from "./telemetry/sources/telemetry-source.ts";
export { createVehicleSource, type VehicleSourceOptions } from "./telemetry/sources/vehicle.ts";
export {
  createVehicleSimulator,
  type VehicleSimulator,
} from "./telemetry/sources/vehicle-simulator.ts";
export { buildTelemetryMessage } from "./telemetry/telemetry-message.ts";
export { CLIENT_VERSION } from "./version.ts";
