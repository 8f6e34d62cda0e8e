export {
  BUS_TOPICS,
  type BusMessage,
  BusMessageSchema,
  encodeBusMessage,
  MAX_BUS_LINE_BYTES,
  parseBusLine,
} from "./bus-message.ts";
export {
  createLedBridge,
  DEFAULT_LED_SET_TIMEOUT_MS,
  type LedBridge,
  type LedBridgeOptions,
} from "./led-bridge.ts";
export { type BusClient, type LocalBus, type LocalBusOptions, startLocalBus } from "./local-bus.ts";
