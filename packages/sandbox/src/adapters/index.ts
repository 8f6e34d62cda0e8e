export { DuckDbDeadLetterSink } from "./duckdb-dead-letter-sink.ts";
export { DuckDbTelemetryReader } from "./duckdb-telemetry-reader.ts";
export { DuckDbTelemetryStore } from "./duckdb-telemetry-store.ts";
export { FileDeviceLedger } from "./file-device-ledger.ts";
export { LocalAllowListStore } from "./local-allow-list-store.ts";
export { LocalArtifactStore } from "./local-artifact-store.ts";
export { LocalAuditFindings, type LocalAuditFindingsOptions } from "./local-audit-findings.ts";
export { LocalCaIssuer } from "./local-ca-issuer.ts";
export { LocalCaRevoker } from "./local-ca-revoker.ts";
export { LocalDeviceRegistry } from "./local-device-registry.ts";
export { LocalJobStarter } from "./local-job-starter.ts";
export {
  LocalOtaJobs,
  OTA_IN_PROGRESS_TIMEOUT_MINUTES,
  OTA_ROLLOUT_MAXIMUM_PER_MINUTE,
} from "./local-ota-jobs.ts";
export { LocalReleaseStore } from "./local-release-store.ts";
export { LocalRotationStore } from "./local-rotation-store.ts";
export { openTelemetryDatabase, type TelemetryDatabase } from "./telemetry-database.ts";
