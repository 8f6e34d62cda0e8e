export * from "./decide-provisioning.ts";
export * from "./ingest-telemetry.ts";
export * from "./list-fleet-devices.ts";
export type { UseCaseLogger } from "./logger.ts";
export * from "./reconcile-allow-list.ts";
