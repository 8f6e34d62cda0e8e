import * as z from "zod";

/** The statuses AWS IoT gives a certificate (`CertificateStatus` in its API). */
export const CertificateStatusSchema = z.enum([
  "ACTIVE",
  "INACTIVE",
  "REVOKED",
  "PENDING_ACTIVATION",
  "PENDING_TRANSFER",
  "REGISTER_INACTIVE",
]);
export type CertificateStatus = z.infer<typeof CertificateStatusSchema>;
