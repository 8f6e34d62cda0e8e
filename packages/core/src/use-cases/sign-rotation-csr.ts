import { RotationCsrRequestSchema } from "../contracts/rotation.ts";
import { rotationTopics } from "../contracts/topics.ts";
import { CertificateIssueError } from "../domain/certificate-errors.ts";
import type { CertificateIssuer } from "../ports/certificate-issuer.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { RotationRecord, RotationStore } from "../ports/rotation-store.ts";
import { checkRotationCsr } from "../rotation/check-rotation-csr.ts";
import { retireCertificate } from "../rotation/retire-certificate.ts";
import { RotationStepConflictError } from "../rotation/rotation-errors.ts";
import {
  claimedRotationId,
  openRotationRequest,
  type RotationCsrReply,
  type RotationRequest,
  rejected,
} from "../rotation/rotation-reply.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

export interface SignRotationCsrDeps {
  rotations: RotationStore;
  registry: DeviceRegistry;
  issuer: CertificateIssuer;
  /** Validity of the new certificate. */
  validityMs: number;
  clock: () => Date;
  /** Revokes, at the CA, a certificate issued by a request that lost a race. */
  revoker?: CertificateRevoker;
  logger?: UseCaseLogger;
}

/**
 * Answers a device's `rot/{thing}/csr` request with its new certificate, or a rejection.
 * 1. Validate the payload (`InvalidRequest`); find the rotation of that thing (`UnknownRotation`),
 *    still active (`AlreadyCommitted`, `RotationExpired`) and within its deadline.
 * 2. Require the request to come over the old certificate (`NotOverOldCertificate`).
 * 3. Already `issued`: send the same certificate again (no second certificate).
 * 4. Check the CSR: signature, key strength, subject CN = thing (`InvalidCsr`, `WeakKey`,
 *    `SubjectMismatch`).
 * 5. Issue it at the CA; register it ACTIVE, attach the device policy and the thing.
 * 6. Move the record to `issued` (compare-and-set). A concurrent request that won instead
 *    gets its certificate re-sent, and this one's is retired.
 * Unexpected failures answer `InternalError`, so the device may send its CSR again.
 */
export function createSignRotationCsr(deps: SignRotationCsrDeps) {
  const { rotations, registry, issuer, validityMs, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  async function resend(record: RotationRecord, topic: string): Promise<RotationCsrReply> {
    const certificate = (await registry.listCertificates(record.thingName)).find(
      (candidate) => candidate.certificateId === record.newCertificateId,
    );
    if (certificate === undefined) {
      return rejected(topic, record.rotationId, "InternalError", "the issued certificate is gone");
    }
    return {
      outcome: "accepted",
      topic: rotationTopics(record.thingName).csrAccepted,
      payload: { rotationId: record.rotationId, certificatePem: certificate.certificatePem },
    };
  }

  async function sign(request: RotationRequest): Promise<RotationCsrReply> {
    const topic = rotationTopics(request.thing).csrRejected;
    const opened = await openRotationRequest(rotations, request, RotationCsrRequestSchema, topic);
    if ("rejection" in opened) return opened.rejection;
    const { payload, record } = opened;
    const { rotationId, certificateSigningRequest } = payload;
    if (request.principal !== record.oldCertificateId) {
      return rejected(
        topic,
        rotationId,
        "NotOverOldCertificate",
        "the CSR must be sent over the certificate being replaced",
      );
    }
    if (record.step === "issued") return resend(record, topic);
    if (clock().getTime() > Date.parse(record.deadline)) {
      return rejected(
        topic,
        rotationId,
        "RotationExpired",
        `the deadline ${record.deadline} passed`,
      );
    }

    const check = await checkRotationCsr(certificateSigningRequest, request.thing);
    if (!check.ok) return rejected(topic, rotationId, check.errorCode, check.errorMessage);

    let certificatePem: string;
    try {
      ({ certificatePem } = await issuer.issue({ csrPem: certificateSigningRequest, validityMs }));
    } catch (error) {
      if (error instanceof CertificateIssueError && error.reason === "invalid-csr") {
        return rejected(topic, rotationId, "InvalidCsr", error.message);
      }
      throw error;
    }
    const { certificateId } = await registry.registerCertificate(certificatePem);
    await registry.attachPolicy(certificateId);
    await registry.attachThingPrincipal(request.thing, certificateId);
    try {
      await rotations.update(
        rotationId,
        { step: "issued", newCertificateId: certificateId, updatedAt: clock().toISOString() },
        "requested",
      );
    } catch (error) {
      if (!(error instanceof RotationStepConflictError)) throw error;
      // Another request for this rotation won (or the sweeper ended it): this certificate
      // must not stay usable.
      await retireCertificate(deps, request.thing, certificateId);
      return sign(request);
    }
    logger.info(
      { thingName: request.thing, rotationId, certificateId },
      "rotation certificate issued",
    );
    return {
      outcome: "accepted",
      topic: rotationTopics(request.thing).csrAccepted,
      payload: { rotationId, certificatePem },
    };
  }

  return async function signRotationCsr(request: RotationRequest): Promise<RotationCsrReply> {
    try {
      return await sign(request);
    } catch (error) {
      logger.error(
        { thingName: request.thing, error: describeError(error) },
        "rotation CSR not answered",
      );
      return rejected(
        rotationTopics(request.thing).csrRejected,
        claimedRotationId(request.payload),
        "InternalError",
        "the backend failed; send the CSR again",
      );
    }
  };
}
