export * from "./adapters/index.ts";
export type { AllowListUploadResult } from "./allow-list-upload.ts";
export {
  ARTIFACTS_DIR,
  type ArtifactServer,
  isArtifactKey,
  startArtifactServer,
} from "./artifacts/artifact-server.ts";
export { ArtifactUrlSigner, type SignatureCheck } from "./artifacts/artifact-url-signer.ts";
export { replacePresignedUrlPlaceholders } from "./artifacts/presigned-url-placeholders.ts";
export type { ClaimCredentials } from "./claim-credentials.ts";
export {
  type CommandOutcome,
  CommandRequests,
  DEFAULT_COMMAND_TIMEOUT_MS,
} from "./commands/command-requests.ts";
export type { EnrollDeviceOptions, EnrolledDevice } from "./enroll-device.ts";
export * from "./errors.ts";
export {
  createSandboxApp,
  type SandboxApi,
  type SandboxApiOptions,
  startSandboxApi,
} from "./http-api/sandbox-api.ts";
export {
  type SandboxApiOperations,
  sandboxFleetOperations,
} from "./http-api/sandbox-fleet-operations.ts";
export type {
  ClientConnectedEvent,
  ClientDisconnectedEvent,
  ConnectRefusedEvent,
  DisconnectReason,
  PublishDeniedEvent,
  PublishThrottledEvent,
  SandboxEvent,
  SandboxEventMap,
  SandboxEvents,
  SubscribeDeniedEvent,
  TlsRefusedEvent,
} from "./iot-core/broker-events.ts";
export { AWS_BROKER_QUOTAS, type BrokerQuotas } from "./iot-core/broker-quotas.ts";
export type { BrokerService, ServiceReply, ServiceRequest } from "./iot-core/broker-service.ts";
export {
  FleetProvisioning,
  type FleetProvisioningOptions,
} from "./iot-core/fleet-provisioning.ts";
export {
  type CertificateRecord,
  IotRegistry,
  type PolicyRecord,
  type RegistryChange,
  type SandboxCertificateStatus,
  type ThingGroupRecord,
  type ThingRecord,
} from "./iot-core/registry.ts";
export { RotationRequests, type RotationRequestsOptions } from "./iot-core/rotation-requests.ts";
export {
  CANARY_THING_GROUP,
  DEVICE_POLICY_NAME,
  SANDBOX_RESOURCE_NAMES,
  SANDBOX_SCOPE,
} from "./iot-core/sandbox-scope.ts";
export type { Session, Sessions } from "./iot-core/sessions.ts";
export {
  type AbortCriterion,
  type AbortCriterionInput,
  type CreateJobInput,
  type JobExecutionRecord,
  type JobRecord,
  JobStore,
  type JobStoreEventMap,
  type JobStoreOptions,
  type PendingChange,
} from "./jobs/job-store.ts";
export { jobDetail, jobSummary } from "./jobs/job-views.ts";
export {
  type DeliverDocument,
  JobsMqttApi,
  type JobsMqttApiOptions,
  jobsNotifications,
} from "./jobs/jobs-mqtt-api.ts";
export type {
  CertificateKeySource,
  IssueCertificateOptions,
  IssuedCertificate,
  LocalCa,
} from "./local-ca/local-ca.ts";
export { LocalFleetInventory } from "./local-fleet-inventory.ts";
export { type Sandbox, type SandboxOptions, startSandbox } from "./sandbox.ts";
export { ClassicShadowService } from "./shadow/classic-shadow-service.ts";
export { type Shadow, ShadowStore, type ShadowUpdateResult } from "./shadow/shadow-store.ts";
export { createLocalKinesisClient } from "./telemetry/local-kinesis.ts";
