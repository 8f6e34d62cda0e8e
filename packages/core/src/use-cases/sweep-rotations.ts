import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { JobStarter } from "../ports/job-starter.ts";
import type { RotationStore } from "../ports/rotation-store.ts";
import { retireCertificate } from "../rotation/retire-certificate.ts";
import { RotationStepConflictError } from "../rotation/rotation-errors.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

export interface SweepRotationsDeps {
  rotations: RotationStore;
  registry: DeviceRegistry;
  jobs: JobStarter;
  clock: () => Date;
  /** The private CA, to revoke abandoned new certificates there too. */
  revoker?: CertificateRevoker;
  logger?: UseCaseLogger;
}

export interface SweepSummary {
  /** Active rotations looked at. */
  active: number;
  timedOut: { rotationId: string; thingName: string }[];
  failures: { rotationId: string; thingName: string; reason: string }[];
}

const TIMED_OUT_REASON = "the device did not commit before the deadline";

/**
 * Ends the rotations whose deadline passed without a commit (scheduled).
 * 1. List active rotations; keep those past their deadline.
 * 2. Move each to `timed-out` (compare-and-set): one committed meanwhile is left alone.
 * 3. Retire the NEW certificate if one was issued; the old one, which the device falls back
 *    to, stays ACTIVE.
 * 4. Cancel the device's job execution.
 * A rotation's failure is recorded and the others go on.
 */
export function createSweepRotations(deps: SweepRotationsDeps) {
  const { rotations, jobs, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function sweepRotations(): Promise<SweepSummary> {
    const summary: SweepSummary = { active: 0, timedOut: [], failures: [] };
    const now = clock();
    for await (const record of rotations.listActive()) {
      summary.active += 1;
      if (Date.parse(record.deadline) >= now.getTime()) continue;
      const { rotationId, thingName } = record;
      try {
        await rotations.update(
          rotationId,
          { step: "timed-out", reason: TIMED_OUT_REASON, updatedAt: clock().toISOString() },
          record.step,
        );
      } catch (error) {
        if (error instanceof RotationStepConflictError) continue;
        summary.failures.push({ rotationId, thingName, reason: describeError(error) });
        continue;
      }
      try {
        if (record.newCertificateId !== null) {
          await retireCertificate(deps, thingName, record.newCertificateId);
        }
        if (record.jobId !== null) await jobs.cancelJob(record.jobId, thingName, TIMED_OUT_REASON);
        summary.timedOut.push({ rotationId, thingName });
        logger.warn({ thingName, rotationId }, "rotation timed out");
      } catch (error) {
        const reason = describeError(error);
        summary.failures.push({ rotationId, thingName, reason });
        logger.error({ thingName, rotationId, reason }, "timed-out rotation not cleaned up");
      }
    }
    return summary;
  };
}
