export * from "./flatten-measures.ts";
export * from "./telemetry-errors.ts";
export * from "./telemetry-points.ts";
export * from "./write-chunks.ts";
