// Use cases, ports and errors are exported here; contracts and the AWS adapters are reachable
// through the `@fleet/core/contracts` and `@fleet/core/adapters/aws` subpaths.

export * from "./allow-list/index.ts";
export * from "./contracts/contract-errors.ts";
export * from "./domain/certificate-errors.ts";
export * from "./domain/derive-device-view.ts";
export * from "./domain/device-key-rule.ts";
export * from "./errors.ts";
export * from "./modules/index.ts";
export * from "./ota/ota-errors.ts";
export * from "./ports/index.ts";
export * from "./rate-limit/index.ts";
export * from "./rotation/rotation-errors.ts";
export type * from "./rotation/rotation-reply.ts";
export * from "./telemetry/index.ts";
export * from "./use-cases/index.ts";
