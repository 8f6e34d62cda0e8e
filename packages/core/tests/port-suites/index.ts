// Shared contract suites: every adapter of a port (AWS with SDK mocks, sandbox) runs the same one.
export * from "./allow-list-store.ts";
export * from "./audit-findings.ts";
export * from "./certificate-revoker.ts";
export * from "./device-ledger.ts";
export * from "./device-log-events.ts";
export * from "./device-registry.ts";
export * from "./ota-jobs.ts";
export * from "./rotation-store.ts";
export * from "./telemetry-store.ts";
export * from "./thing-groups.ts";
