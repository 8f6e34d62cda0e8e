import {
  AcmPcaCertificateIssuer,
  AcmPcaCertificateRevoker,
  type createAcmPcaClient,
} from "@fleet/core/adapters/aws";
import * as z from "zod";
import { readEnv } from "../env.ts";

const DAY_MS = 86_400_000;

/**
 * The variables naming the stage's private CA, for every function that issues from it or
 * revokes at it: its ARN, and its own certificate (PEM), which tells the certificates it issued
 * and how long it may issue for.
 */
const CertificateAuthorityEnvSchema = z.object({
  CA_ARN: z.string().min(1),
  CA_CERTIFICATE_PEM: z.string().includes("BEGIN CERTIFICATE"),
});

type AcmPcaClient = ReturnType<typeof createAcmPcaClient>;

/** The stage's ACM Private CA issuing device certificates from its template. */
export function acmPcaIssuer(pca: AcmPcaClient): AcmPcaCertificateIssuer {
  const env = readEnv(
    CertificateAuthorityEnvSchema.extend({ CERT_TEMPLATE_ARN: z.string().min(1) }),
  );
  return new AcmPcaCertificateIssuer({
    pca,
    certificateAuthorityArn: env.CA_ARN,
    caCertificatePem: env.CA_CERTIFICATE_PEM,
    templateArn: env.CERT_TEMPLATE_ARN,
  });
}

/** The stage's ACM Private CA revoking the certificates it issued (others are skipped). */
export function acmPcaRevoker(pca: AcmPcaClient): AcmPcaCertificateRevoker {
  const env = readEnv(CertificateAuthorityEnvSchema);
  return new AcmPcaCertificateRevoker({
    pca,
    certificateAuthorityArn: env.CA_ARN,
    caCertificatePem: env.CA_CERTIFICATE_PEM,
  });
}

/** Validity of a device certificate, provisioned or rotated (`CERT_VALIDITY_DAYS`). */
export function certificateValidityMs(): number {
  const env = readEnv(z.object({ CERT_VALIDITY_DAYS: z.coerce.number().int().positive() }));
  return env.CERT_VALIDITY_DAYS * DAY_MS;
}
