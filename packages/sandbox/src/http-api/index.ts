// Light entry point for API clients: no broker, no CA, no native code.
export * from "./loopback.ts";
export * from "./sandbox-info.ts";
