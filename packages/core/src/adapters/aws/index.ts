export * from "./iot-client.ts";
export * from "./iot-fleet-inventory.ts";
