import type { ConfigureStep } from "@fleet/core/contracts";
import { errorText } from "../../error-text.ts";
import type { DeviceSettingsStore } from "../../settings/device-settings.ts";
import type { StepHandler } from "../step-handler.ts";

/** Persists the step's settings and applies them (telemetry interval at once, LED via the LED app). */
export function createConfigureStep(settings: DeviceSettingsStore): StepHandler<ConfigureStep> {
  return async ({ step, report }) => {
    await report("apply");
    try {
      await settings.apply(step.settings);
    } catch (error) {
      return { status: "failed", reason: errorText(error) };
    }
    return { status: "succeeded" };
  };
}
