import type { Logger } from "pino";
import type { FleetProvisioning } from "../iot-core/fleet-provisioning.ts";
import { type PeriodicTask, startPeriodicTask } from "../rotation/periodic-task.ts";
import type { SandboxRotation } from "./rotation.ts";

/**
 * What a stage runs on schedules, run every `intervalMs` here: the sweep of unclaimed
 * PENDING_ACTIVATION certificates, the rotation sweeper, and the Device Defender audit with
 * its follow-up (rotations of the certificates expiring within `thresholdMs`).
 */
export function startScheduledAudit(options: {
  intervalMs: number;
  thresholdMs: number;
  provisioning: FleetProvisioning;
  rotation: SandboxRotation;
  logger: Logger;
}): PeriodicTask {
  const { provisioning, rotation, logger } = options;
  return startPeriodicTask(
    "rotation audit and sweep",
    options.intervalMs,
    async () => {
      await provisioning.expireUnclaimedCertificates();
      const sweep = await rotation.module.sweep();
      const started = await rotation.startExpiringRotations(options.thresholdMs);
      if (sweep.timedOut.length + sweep.failures.length + started.length > 0) {
        logger.info(
          {
            timedOut: sweep.timedOut.length,
            sweepFailures: sweep.failures.length,
            rotating: started.length,
          },
          "rotation audit done",
        );
      }
    },
    logger,
  );
}
