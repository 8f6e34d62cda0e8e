export type * from "./allow-list-store.ts";
export type * from "./certificate-revoker.ts";
export type * from "./dead-letter-sink.ts";
export type * from "./device-ledger.ts";
export type * from "./device-registry.ts";
export type * from "./fleet-inventory.ts";
export type * from "./telemetry-store.ts";
