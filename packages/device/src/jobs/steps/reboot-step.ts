import type { RebootStep } from "@fleet/core/contracts";
import { errorText } from "../../error-text.ts";
import type { StepHandler } from "../step-handler.ts";

/** Restarts the board (or, simulated, the device process); resolves once the restart is under way. */
export type Reboot = () => Promise<void>;

export const REBOOTING_PHASE = "rebooting";

/**
 * Persists and reports `rebooting`, then reboots; the step succeeds when the job resumes
 * after the restart in that phase.
 */
export function createRebootStep(reboot: Reboot): StepHandler<RebootStep> {
  return async ({ resumedPhase, report }) => {
    if (resumedPhase === REBOOTING_PHASE) return { status: "succeeded" };
    await report(REBOOTING_PHASE);
    return rebootNow(reboot);
  };
}

/** Reboots; a reboot command that fails ends the step FAILED with its reason. */
export async function rebootNow(
  reboot: Reboot,
): Promise<{ status: "rebooting" } | { status: "failed"; reason: string }> {
  try {
    await reboot();
    return { status: "rebooting" };
  } catch (error) {
    return { status: "failed", reason: `reboot failed: ${errorText(error)}` };
  }
}
