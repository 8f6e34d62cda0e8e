export { DuckDbDeadLetterSink } from "./duckdb-dead-letter-sink.ts";
export { DuckDbTelemetryReader } from "./duckdb-telemetry-reader.ts";
export { DuckDbTelemetryStore } from "./duckdb-telemetry-store.ts";
export { FileDeviceLedger } from "./file-device-ledger.ts";
export { LocalAllowListStore } from "./local-allow-list-store.ts";
export { LocalCaRevoker } from "./local-ca-revoker.ts";
export { LocalDeviceRegistry } from "./local-device-registry.ts";
export { openTelemetryDatabase, type TelemetryDatabase } from "./telemetry-database.ts";
