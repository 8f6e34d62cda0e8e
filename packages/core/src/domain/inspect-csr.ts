import { createPublicKey } from "node:crypto";
import type { CsrProblem } from "./certificate-errors.ts";
import { deviceKeyProblem } from "./device-key-rule.ts";
import { x509 } from "./x509.ts";

export type CsrInspection =
  | { ok: true; commonNames: string[] }
  | { ok: false; problem: Exclude<CsrProblem, "invalid-subject">; message: string };

/**
 * Whether a device CSR may be signed at all: a PKCS#10 request whose signature proves
 * possession of the key, a key `deviceKeyProblem` accepts. Its subject's common names are
 * returned for the caller's own rule (rotation: the thing; provisioning: a serial).
 */
export async function inspectCsr(csrPem: string): Promise<CsrInspection> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    return { ok: false, problem: "invalid-csr", message: "not a PEM PKCS#10 request" };
  }
  const verified = await csr.verify().catch(() => false);
  if (!verified) {
    return { ok: false, problem: "invalid-csr", message: "the CSR signature does not verify" };
  }
  const key = createPublicKey({
    key: Buffer.from(csr.publicKey.rawData),
    format: "der",
    type: "spki",
  });
  const problem = deviceKeyProblem(key);
  if (problem) return { ok: false, problem: "weak-key", message: problem.message };
  return { ok: true, commonNames: csr.subjectName.getField("CN") };
}
