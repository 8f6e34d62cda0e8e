import { channel } from "node:diagnostics_channel";

/**
 * The diagnostics channel on which the broker reports, per message, the time its own layers
 * took on its thread. Nothing is measured unless someone subscribes (the broker benchmark
 * does), so the hot path pays one `hasSubscribers` check per layer.
 */
export const BROKER_LAYER_TIMING_CHANNEL = "fleet:sandbox:broker-layer-timing";

/** What one layer spent on one packet or message, in milliseconds. */
export interface BrokerLayerTiming {
  layer: "authorization" | "rules" | "services";
  /** The hook (`publish`, `receive`, `subscribe`), rule name or `services`. */
  name: string;
  ms: number;
}

const timings = channel(BROKER_LAYER_TIMING_CHANNEL);

/** The start of a timed section: 0 when no one listens, so `timingEnd` does nothing. */
export function timingStart(): number {
  return timings.hasSubscribers ? performance.now() : 0;
}

export function timingEnd(started: number, layer: BrokerLayerTiming["layer"], name: string): void {
  if (started === 0) return;
  const timing: BrokerLayerTiming = { layer, name, ms: performance.now() - started };
  timings.publish(timing);
}
