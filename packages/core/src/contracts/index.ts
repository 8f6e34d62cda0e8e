export * from "./device-view.ts";
export * from "./identity.ts";
export * from "./iot-policy.ts";
export * from "./topics.ts";
