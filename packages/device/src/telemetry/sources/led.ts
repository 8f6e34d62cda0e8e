import type { LedSection } from "@fleet/core/contracts";
import type { TelemetrySource } from "./telemetry-source.ts";

export interface LedSource extends TelemetrySource<"led"> {
  /** Called by whatever drives the LED (the LED app, once OTA installs it) when it changes. */
  update(change: Partial<LedSection>): void;
}

/** Reports the LED state it was last given; it starts from the configured state. */
export function createLedSource(initial: LedSection): LedSource {
  let state = { ...initial };
  return {
    section: "led",
    read: async () => ({ ...state }),
    update(change) {
      state = { ...state, ...change };
    },
  };
}
