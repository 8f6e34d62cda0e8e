// Light entry point for API clients: no broker, no CA, no native code.
export * from "./sandbox-info.ts";
