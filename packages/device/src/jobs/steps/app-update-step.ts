import type { AppUpdateStep } from "@fleet/core/contracts";
import { checkArtifactSignature } from "../../apps/check-artifact-signature.ts";
import { type AppManager, ArtifactUntrustedError } from "../../apps/index.ts";
import type { StepHandler, StepOutcome } from "../step-handler.ts";

/** Options of `createAppUpdateStep`. */
export interface AppUpdateStepOptions {
  /** The release public key (PEM, `apps.releasePublicKeyFile`); undefined: none configured. */
  releasePublicKeyFile: string | undefined;
}

/**
 * Checks the step's signature first, before anything is downloaded: an artifact the release
 * key did not sign is refused, FAILED with the reason and an `errorCode` (`SignatureMissing`,
 * `SignatureInvalid`, `ReleaseKeyMissing`, `ReleaseKeyUnreadable`), and what runs stays.
 * Then installs through the app manager, which downloads (resuming), verifies the SHA-256
 * the signature vouches for, installs, health-checks and rolls back, reporting each phase.
 * Run again after a restart: the manager's download resumes and an install already in place
 * is kept.
 */
export function createAppUpdateStep(
  apps: Pick<AppManager, "update">,
  options: AppUpdateStepOptions,
): StepHandler<AppUpdateStep> {
  return async ({ step, report }): Promise<StepOutcome> => {
    try {
      await checkArtifactSignature(step, options.releasePublicKeyFile);
    } catch (error) {
      if (!(error instanceof ArtifactUntrustedError)) throw error;
      return { status: "failed", reason: error.message, details: { errorCode: error.errorCode } };
    }
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
