// Use cases, ports and errors are exported here as they arrive; contracts and adapters are
// reachable through the `@fleet/core/contracts` and `@fleet/core/adapters/*` subpaths.

export * from "./allow-list/index.ts";
export * from "./domain/derive-device-view.ts";
export * from "./errors.ts";
export * from "./modules/index.ts";
export * from "./ports/index.ts";
export * from "./rate-limit/index.ts";
export type * from "./rotation/rotation-reply.ts";
export * from "./telemetry/index.ts";
export * from "./use-cases/index.ts";
