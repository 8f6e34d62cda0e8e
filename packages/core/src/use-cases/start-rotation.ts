import { randomUUID } from "node:crypto";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { JobStarter } from "../ports/job-starter.ts";
import type { RotationRecord, RotationStore } from "../ports/rotation-store.ts";
import {
  NoActiveCertificateError,
  RotationAlreadyActiveError,
  SeveralActiveCertificatesError,
} from "../rotation/rotation-errors.ts";
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
 * 2. Find the ACTIVE certificate it connects with: the one named (the audit finding's), which
 *    must be ACTIVE on the thing, else its only ACTIVE one; none → `NoActiveCertificateError`,
 *    several and none named → `SeveralActiveCertificatesError` (never a guess: the oldest may be
 *    the device's own while another holder's is the one in use).
 * 3. Create the record at `requested`; the store's conditional write makes a concurrent start
 *    lose, and the winner's record is returned.
 * 4. Create the IoT job and keep its id. If that fails the record ends `failed`, so the next
 *    start is not blocked, and the error is rethrown.
 */
export function createStartRotation(deps: StartRotationDeps) {
  const { rotations, registry, jobs, clock, deadlineMs } = deps;
  const logger = deps.logger ?? silentLogger;

  /** `certificateId`: the certificate to replace, when the caller knows it. */
  return async function startRotation(
    thingName: string,
    certificateId?: string,
  ): Promise<RotationRecord> {
    const active = await rotations.activeFor(thingName);
    if (active !== null) return active;

    const oldCertificateId = await certificateInUse(thingName, certificateId);
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

  async function certificateInUse(thingName: string, named?: string): Promise<string> {
    const activeIds = (await registry.listCertificates(thingName))
      .filter((certificate) => certificate.status === "ACTIVE")
      .map((certificate) => certificate.certificateId);
    if (named !== undefined) {
      if (activeIds.includes(named)) return named;
      throw new NoActiveCertificateError(
        `Certificate ${named} is not an ACTIVE certificate of thing ${thingName}`,
        { thingName },
      );
    }
    const [only, ...others] = activeIds;
    if (only === undefined) {
      throw new NoActiveCertificateError(`Thing ${thingName} has no ACTIVE certificate to rotate`, {
        thingName,
      });
    }
    if (others.length > 0) {
      throw new SeveralActiveCertificatesError(
        `Thing ${thingName} has ${activeIds.length} ACTIVE certificates (${activeIds.join(", ")}): which one the device connects with is unknown, so none is rotated; reset the device (fleet devices reset) or revoke the stray certificate`,
        { thingName, certificateIds: activeIds },
      );
    }
    return only;
  }
}
