export * from "./faults.ts";
export * from "./in-memory-allow-list-store.ts";
export * from "./in-memory-certificate-revoker.ts";
export * from "./in-memory-device-ledger.ts";
export * from "./in-memory-device-registry.ts";
export * from "./in-memory-ota.ts";
export * from "./in-memory-rotation-store.ts";
export * from "./in-memory-telemetry-store.ts";
