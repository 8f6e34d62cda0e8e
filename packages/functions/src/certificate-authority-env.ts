import * as z from "zod";

/**
 * The variables naming the stage's private CA, for every function that issues from it or
 * revokes at it: its ARN, and its own certificate (PEM), which tells the certificates it issued
 * and how long it may issue for.
 */
export const CertificateAuthorityEnvSchema = z.object({
  CA_ARN: z.string().min(1),
  CA_CERTIFICATE_PEM: z.string().includes("BEGIN CERTIFICATE"),
});
