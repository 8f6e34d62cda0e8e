export * from "./call-rate-meter.ts";
export * from "./control-plane-limiter.ts";
export * from "./rate-limit-errors.ts";
