export * from "./flatten-measures.ts";
export * from "./kinesis-batch.ts";
export * from "./telemetry-points.ts";
