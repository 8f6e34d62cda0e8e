export * from "./allow-list-module.ts";
export * from "./lazy-members.ts";
export * from "./ota-module.ts";
export * from "./provisioning-module.ts";
export * from "./rotation-module.ts";
export * from "./telemetry-module.ts";
