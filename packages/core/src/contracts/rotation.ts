import * as z from "zod";
import {
  CreateCertificateFromCsrAcceptedSchema,
  CreateCertificateFromCsrRequestSchema,
} from "./fleet-provisioning.ts";

/**
 * Payloads of the product's certificate rotation protocol, over an IoT job and the request
 * topics of `rotationTopics` (`topics.ts`):
 * 1. A job whose document is `ROTATE_CERTIFICATE_JOB_DOCUMENT` (`job-document.ts`); its job id
 *    is the rotation id.
 * 2. The device sends a CSR for a new key over its old certificate; the backend answers with the
 *    new certificate or a rejection.
 * 3. The device commits over the new certificate; the backend revokes the old one.
 * The backend reads JSON as the topic rules deliver it, so unknown fields are dropped.
 */

const RotationIdSchema = z.uuid();

/** Published by the device to `rot/{thing}/csr`, over the certificate being replaced. */
export const RotationCsrRequestSchema = z.object({
  rotationId: RotationIdSchema,
  certificateSigningRequest: CreateCertificateFromCsrRequestSchema.shape.certificateSigningRequest,
});
export type RotationCsrRequest = z.infer<typeof RotationCsrRequestSchema>;

/** Sent on `rot/{thing}/csr/accepted`: the new certificate, ACTIVE and attached to the thing. */
export const RotationCsrAcceptedSchema = z.strictObject({
  rotationId: RotationIdSchema,
  certificatePem: CreateCertificateFromCsrAcceptedSchema.shape.certificatePem,
});
export type RotationCsrAccepted = z.infer<typeof RotationCsrAcceptedSchema>;

/** Published by the device to `rot/{thing}/commit`, over the new certificate. */
export const RotationCommitRequestSchema = z.object({ rotationId: RotationIdSchema });
export type RotationCommitRequest = z.infer<typeof RotationCommitRequestSchema>;

/** Sent on `rot/{thing}/commit/accepted`: the old certificate is revoked. */
export const RotationCommitAcceptedSchema = z.strictObject({ rotationId: RotationIdSchema });
export type RotationCommitAccepted = z.infer<typeof RotationCommitAcceptedSchema>;

export const RotationErrorCodeSchema = z.enum([
  "InvalidRequest",
  "UnknownRotation",
  "NotOverOldCertificate",
  "InvalidCsr",
  "WeakKey",
  "SubjectMismatch",
  "CommitNotOverNewCertificate",
  "AlreadyCommitted",
  "RotationExpired",
  "InternalError",
]);
export type RotationErrorCode = z.infer<typeof RotationErrorCodeSchema>;

/**
 * Sent on `.../csr/rejected` or `.../commit/rejected`. `rotationId` is null when the request
 * was too malformed to name one.
 */
export const RotationRejectedSchema = z.strictObject({
  rotationId: RotationIdSchema.nullable(),
  errorCode: RotationErrorCodeSchema,
  errorMessage: z.string(),
});
export type RotationRejected = z.infer<typeof RotationRejectedSchema>;

/**
 * A rotation record as stores and APIs carry it (DynamoDB items, the sandbox API): the shape of
 * the `RotationRecord` port type, for readers that must check what they are given.
 */
export const RotationRecordSchema = z.object({
  rotationId: z.string(),
  thingName: z.string(),
  serial: z.string().optional(),
  oldCertificateId: z.string(),
  newCertificateId: z.string().nullable(),
  jobId: z.string().nullable(),
  step: z.enum(["requested", "issued", "committed", "timed-out", "failed"]),
  reason: z.string().nullable(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  deadline: z.iso.datetime(),
});
