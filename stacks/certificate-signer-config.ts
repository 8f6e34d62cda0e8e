import { type CertificateSigner, CertificateSignerSchema } from "@fleet/core/contracts";
import { InvalidCertificatesConfigError } from "./certificates-config.ts";

/**
 * Who signs a device's first certificate (fleet provisioning's CreateCertificateFromCsr): an
 * environment variable read by `sst deploy` (sst.config.ts), like stacks/certificates-config.ts.
 *
 * - `FLEET_CERTIFICATE_SIGNER`: `private-ca` (default) or `aws-iot`.
 *   - `private-ca`: the stage's ACM Private CA, through an AWS IoT certificate provider
 *     (stacks/certificate-provider.ts). Certificates carry the stage's validity from the first
 *     boot, so the audit rotates them when due with no operator, and their subject CN is the
 *     device's serial, which the pre-provisioning hook checks. The provider is ONE per AWS
 *     account and takes over CreateCertificateFromCsr for the whole account: right for the
 *     product's own account per stage (sst.config.ts), wrong for an account shared with other
 *     fleets.
 *   - `aws-iot`: no provider; AWS IoT's own CA signs, as in an account without one. For an
 *     account shared with other workloads. Those certificates expire far in the future, so the
 *     private CA controls a device's validity only from its first rotation (`fleet rotation
 *     start`), and AWS does not document what subject they carry: the hook does not check it,
 *     so the serial a device registers is bound by the allow-list alone.
 */
export const CERTIFICATE_SIGNER_VARIABLE = "FLEET_CERTIFICATE_SIGNER";
export const DEFAULT_CERTIFICATE_SIGNER: CertificateSigner = "private-ca";

type Env = Record<string, string | undefined>;

export function certificateSignerFromEnv(env: Env = process.env): CertificateSigner {
  const raw = env[CERTIFICATE_SIGNER_VARIABLE]?.trim() || DEFAULT_CERTIFICATE_SIGNER;
  const parsed = CertificateSignerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidCertificatesConfigError(
      CERTIFICATE_SIGNER_VARIABLE,
      `expected "private-ca" or "aws-iot", got ${JSON.stringify(raw)}`,
    );
  }
  return parsed.data;
}
