import { RotationCommitRequestSchema } from "../contracts/rotation.ts";
import { rotationTopics } from "../contracts/topics.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { RotationStore } from "../ports/rotation-store.ts";
import { retireCertificate } from "../rotation/retire-certificate.ts";
import { RotationStepConflictError } from "../rotation/rotation-errors.ts";
import {
  claimedRotationId,
  openRotationRequest,
  type RotationCommitReply,
  type RotationRequest,
  rejected,
} from "../rotation/rotation-reply.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

export interface CommitRotationDeps {
  rotations: RotationStore;
  registry: DeviceRegistry;
  /** The private CA that issued the old certificate, if any. */
  revoker?: CertificateRevoker;
  clock: () => Date;
  logger?: UseCaseLogger;
}

/**
 * Answers a device's `rot/{thing}/commit`: the device proved it connects with the new
 * certificate, so the old one is retired.
 * 1. Validate the payload (`InvalidRequest`); find the rotation of that thing (`UnknownRotation`).
 *    A replayed commit of a committed rotation is `AlreadyCommitted`, with no side effect; an
 *    ended one `RotationExpired`.
 * 2. Require the commit to come over the new certificate (`CommitNotOverNewCertificate`; also
 *    before any certificate was issued).
 * 3. Move the record to `committed` (compare-and-set) BEFORE touching the old certificate: if
 *    the sweeper timed the rotation out first, the commit loses and the device keeps its old
 *    certificate. A commit after the deadline that the sweeper has not reached yet still wins.
 * 4. Retire the old certificate: INACTIVE, REVOKED, revoked at the CA, detached, deleted. The
 *    device is already on the new one, so a failure here is recorded and logged, not refused.
 */
export function createCommitRotation(deps: CommitRotationDeps) {
  const { rotations, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  async function commit(request: RotationRequest): Promise<RotationCommitReply> {
    const topics = rotationTopics(request.thing);
    const topic = topics.commitRejected;
    const opened = await openRotationRequest(
      rotations,
      request,
      RotationCommitRequestSchema,
      topic,
    );
    if ("rejection" in opened) return opened.rejection;
    const { payload, record } = opened;
    const { rotationId } = payload;
    if (record.newCertificateId === null || request.principal !== record.newCertificateId) {
      return rejected(
        topic,
        rotationId,
        "CommitNotOverNewCertificate",
        "the commit must be sent over the new certificate",
      );
    }
    try {
      await rotations.update(
        rotationId,
        { step: "committed", updatedAt: clock().toISOString() },
        "issued",
      );
    } catch (error) {
      if (error instanceof RotationStepConflictError) return commit(request);
      throw error;
    }
    try {
      await retireCertificate(deps, request.thing, record.oldCertificateId);
    } catch (error) {
      const reason = `old certificate not retired: ${describeError(error)}`;
      logger.error(
        { thingName: request.thing, rotationId, certificateId: record.oldCertificateId, reason },
        "rotation committed, old certificate still present",
      );
      await rotations.update(rotationId, { reason, updatedAt: clock().toISOString() }, "committed");
    }
    logger.info({ thingName: request.thing, rotationId }, "rotation committed");
    return { outcome: "accepted", topic: topics.commitAccepted, payload: { rotationId } };
  }

  return async function commitRotation(request: RotationRequest): Promise<RotationCommitReply> {
    try {
      return await commit(request);
    } catch (error) {
      logger.error(
        { thingName: request.thing, error: describeError(error) },
        "rotation commit not answered",
      );
      return rejected(
        rotationTopics(request.thing).commitRejected,
        claimedRotationId(request.payload),
        "InternalError",
        "the backend failed; send the commit again",
      );
    }
  };
}
