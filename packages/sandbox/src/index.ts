export type { EnrollDeviceOptions, EnrolledDevice } from "./enroll-device.ts";
export * from "./errors.ts";
export {
  type SandboxApi,
  type SandboxApiOptions,
  startSandboxApi,
} from "./http-api/sandbox-api.ts";
export type {
  ClientConnectedEvent,
  ClientDisconnectedEvent,
  ConnectRefusedEvent,
  DisconnectReason,
  PublishDeniedEvent,
  SandboxEvent,
  SandboxEventMap,
  SandboxEvents,
  SubscribeDeniedEvent,
  TlsRefusedEvent,
} from "./iot-core/broker-events.ts";
export {
  type CertificateRecord,
  type CertificateStatus,
  IotRegistry,
  type PolicyRecord,
  type RegistryChange,
  type ThingRecord,
} from "./iot-core/registry.ts";
export { DEVICE_POLICY_NAME, SANDBOX_SCOPE } from "./iot-core/sandbox-scope.ts";
export type { Session, Sessions } from "./iot-core/sessions.ts";
export { certificateIdOf } from "./local-ca/certificate-id.ts";
export type {
  CertificateKeySource,
  IssueCertificateOptions,
  IssuedCertificate,
  LocalCa,
} from "./local-ca/local-ca.ts";
export { LocalFleetInventory } from "./local-fleet-inventory.ts";
export { type Sandbox, type SandboxOptions, startSandbox } from "./sandbox.ts";
