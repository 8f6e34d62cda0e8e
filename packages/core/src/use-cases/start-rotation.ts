import { randomUUID } from "node:crypto";
import { NoActiveCertificateError, RotationAlreadyActiveError } from "../errors.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { JobStarter } from "../ports/job-starter.ts";
import type { RotationRecord, RotationStore } from "../ports/rotation-store.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

export interface StartRotationDeps {
  rotations: RotationStore;
  registry: DeviceRegistry;
  jobs: JobStarter;
  clock: () => Date;
  /** How long the device has to commit before the sweeper abandons the rotation. */
  deadlineMs: number;
  logger?: UseCaseLogger;
}

/**
 * Starts a certificate rotation for one device; idempotent: the thing's active rotation, if
 * any, is returned instead of a second one.
 * 1. Return the thing's active rotation if it has one.
 * 2. Find the ACTIVE certificate it connects with (none → `NoActiveCertificateError`).
 * 3. Create the record at `requested`; the store's conditional write makes a concurrent start
 *    lose, and the winner's record is returned.
 * 4. Create the IoT job and keep its id. If that fails the record ends `failed`, so the next
 *    start is not blocked, and the error is rethrown.
 */
export function createStartRotation(deps: StartRotationDeps) {
  const { rotations, registry, jobs, clock, deadlineMs } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function startRotation(thingName: string): Promise<RotationRecord> {
    const active = await rotations.activeFor(thingName);
    if (active !== null) return active;

    const oldCertificateId = await registry.activeCertificateId(thingName);
    if (oldCertificateId === null) {
      throw new NoActiveCertificateError(`Thing ${thingName} has no ACTIVE certificate to rotate`, {
        thingName,
      });
    }
    const now = clock();
    const record: RotationRecord = {
      rotationId: randomUUID(),
      thingName,
      oldCertificateId,
      newCertificateId: null,
      jobId: null,
      step: "requested",
      reason: null,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      deadline: new Date(now.getTime() + deadlineMs).toISOString(),
    };
    try {
      await rotations.create(record);
    } catch (error) {
      const winner =
        error instanceof RotationAlreadyActiveError ? await rotations.activeFor(thingName) : null;
      if (winner === null) throw error;
      return winner;
    }

    let jobId: string;
    try {
      ({ jobId } = await jobs.startRotationJob(thingName, record.rotationId));
    } catch (error) {
      const reason = `job not created: ${describeError(error)}`;
      await rotations.update(
        record.rotationId,
        { step: "failed", reason, updatedAt: clock().toISOString() },
        "requested",
      );
      logger.error({ thingName, rotationId: record.rotationId, reason }, "rotation not started");
      throw error;
    }
    const started = await rotations.update(
      record.rotationId,
      { jobId, updatedAt: clock().toISOString() },
      "requested",
    );
    logger.info({ thingName, rotationId: record.rotationId, jobId }, "rotation started");
    return started;
  };
}
