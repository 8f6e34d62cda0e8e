import type { AppUpdateStep } from "@fleet/core/contracts";
import type { AppManager } from "../../apps/index.ts";
import type { StepHandler } from "../step-handler.ts";

/**
 * Installs the step's artifact through the app manager, which downloads (resuming), verifies,
 * installs, health-checks and rolls back, reporting each phase. Run again after a restart:
 * the manager's download resumes and an install already in place is kept.
 */
export function createAppUpdateStep(apps: Pick<AppManager, "update">): StepHandler<AppUpdateStep> {
  return async ({ step, report }) => {
    const result = await apps.update(step, report);
    if (!result.ok) return { status: "failed", reason: result.reason };
    return {
      status: "succeeded",
      details: {
        app: result.app,
        version: result.version,
        ...(result.previous !== null && { previous: result.previous }),
      },
    };
  };
}
