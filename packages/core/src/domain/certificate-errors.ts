import { FleetError } from "../errors.ts";

/**
 * The CA did not issue a certificate: `invalid-csr` when it refused the request itself
 * (malformed CSR, unsupported key: the device is at fault), `timed-out` when it did not sign in
 * time, `failed` for any other failure (the backend is at fault).
 */
export class CertificateIssueError extends FleetError {
  readonly reason: "invalid-csr" | "timed-out" | "failed";

  constructor(
    message: string,
    options: { reason: "invalid-csr" | "timed-out" | "failed"; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "CertificateIssueError";
    this.reason = options.reason;
  }
}

/**
 * What is wrong with a device's CSR: not a PKCS#10 request whose signature verifies, or one the
 * CA refuses (`invalid-csr`); a key weaker than the fleet accepts (`weak-key`); a subject that
 * does not name exactly one valid serial (`invalid-subject`).
 */
export type CsrProblem = "invalid-csr" | "weak-key" | "invalid-subject";

/**
 * A device's provisioning CSR the backend will not have signed: the device is at fault. Maps to
 * the CreateCertificateFromCsr rejection (the sandbox's 400 `InvalidCSR`; on a stage, the
 * certificate provider's failure).
 */
export class CsrRefusedError extends FleetError {
  readonly problem: CsrProblem;

  constructor(message: string, options: { problem: CsrProblem; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "CsrRefusedError";
    this.problem = options.problem;
  }
}
