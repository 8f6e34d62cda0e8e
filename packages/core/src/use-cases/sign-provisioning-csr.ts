import { type Serial, SerialSchema } from "../contracts/identity.ts";
import { CertificateIssueError, CsrRefusedError } from "../domain/certificate-errors.ts";
import { inspectCsr } from "../domain/inspect-csr.ts";
import type { CertificateIssuer } from "../ports/certificate-issuer.ts";
import { silentLogger, type UseCaseLogger } from "./logger.ts";

export interface SignProvisioningCsrRequest {
  /** The PEM CSR the device sent to CreateCertificateFromCsr. */
  certificateSigningRequest: string;
  /** The claim session's MQTT client id, for the logs. */
  clientId?: string | undefined;
}

export interface ProvisioningCertificate {
  certificatePem: string;
  /** The serial the certificate's subject CN names. */
  serial: Serial;
  /** The certificate's serial number as the CA prints it (hex). */
  serialNumber: string;
}

export interface SignProvisioningCsrDeps {
  /** The stage's private CA (ACM Private CA, or the sandbox's CA). */
  issuer: CertificateIssuer;
  /** Validity of the certificate, the same as a rotation's. */
  validityMs: number;
  logger?: UseCaseLogger;
}

export type SignProvisioningCsr = (
  request: SignProvisioningCsrRequest,
) => Promise<ProvisioningCertificate>;

/**
 * A device's first certificate, from the CSR it sends to CreateCertificateFromCsr while it holds
 * only the claim certificate (the AWS IoT certificate provider on a stage, the fleet
 * provisioning API in the sandbox). The private CA signs it from the start, so its validity is
 * the stage's and the audit rotates it when due, with no operator.
 * 1. Check the CSR: a PKCS#10 request whose signature verifies, a key strong enough
 *    (`invalid-csr`, `weak-key`).
 * 2. Check its subject: exactly one CN, a valid serial (`invalid-subject`). The device puts its
 *    serial there and the CA copies the subject, so the certificate names the device by
 *    construction: the pre-provisioning hook holds RegisterThing's serial to that CN.
 * 3. Issue it at the CA with the stage's validity; a CSR the CA refuses is `invalid-csr` too.
 * Refusals throw CsrRefusedError; a CA failure throws CertificateIssueError (the backend's
 * fault). Nothing is registered here: AWS IoT (the sandbox's registry) registers the certificate
 * PENDING_ACTIVATION, and RegisterThing activates it.
 */
export function createSignProvisioningCsr(deps: SignProvisioningCsrDeps): SignProvisioningCsr {
  const { issuer, validityMs } = deps;
  const logger = deps.logger ?? silentLogger;

  async function sign(csrPem: string): Promise<ProvisioningCertificate> {
    const inspected = await inspectCsr(csrPem);
    if (!inspected.ok) {
      throw new CsrRefusedError(inspected.message, { problem: inspected.problem });
    }
    const serial = serialOf(inspected.commonNames);
    try {
      const issued = await issuer.issue({ csrPem, validityMs });
      return { certificatePem: issued.certificatePem, serial, serialNumber: issued.serialNumber };
    } catch (error) {
      if (error instanceof CertificateIssueError && error.reason === "invalid-csr") {
        throw new CsrRefusedError(error.message, { problem: "invalid-csr", cause: error });
      }
      throw error;
    }
  }

  return async function signProvisioningCsr(request) {
    const { clientId } = request;
    try {
      const certificate = await sign(request.certificateSigningRequest);
      logger.info(
        { clientId, serial: certificate.serial, serialNumber: certificate.serialNumber },
        "device certificate issued",
      );
      return certificate;
    } catch (error) {
      if (error instanceof CsrRefusedError) {
        logger.warn(
          { clientId, problem: error.problem, reason: error.message },
          "device CSR refused",
        );
      }
      throw error;
    }
  };
}

/** The one serial a CSR's subject names, or the refusal saying what is wrong with it. */
function serialOf(commonNames: readonly string[]): Serial {
  const [commonName] = commonNames;
  if (commonName === undefined || commonNames.length > 1) {
    throw new CsrRefusedError(
      `the subject has ${commonNames.length} CNs; expected one, the device's serial`,
      { problem: "invalid-subject" },
    );
  }
  const parsed = SerialSchema.safeParse(commonName);
  if (!parsed.success) {
    const quoted = JSON.stringify(commonName.slice(0, 80));
    throw new CsrRefusedError(
      `subject CN ${quoted} is not a valid serial (${parsed.error.issues[0]?.message})`,
      { problem: "invalid-subject" },
    );
  }
  return parsed.data;
}
