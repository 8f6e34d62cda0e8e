import { createPublicKey } from "node:crypto";
import type { CsrProblem } from "./certificate-errors.ts";
import { x509 } from "./x509.ts";

/** EC curves a device key may use: the NIST curves AWS IoT accepts, P-256 and stronger. */
const ALLOWED_CURVES = new Set(["prime256v1", "secp384r1"]);
const MIN_RSA_BITS = 2048;

export type CsrInspection =
  | { ok: true; commonNames: string[] }
  | { ok: false; problem: Exclude<CsrProblem, "invalid-subject">; message: string };

/**
 * Whether a device CSR may be signed at all: a PKCS#10 request whose signature proves
 * possession of the key, an EC P-256/P-384 or RSA >= 2048 key. Its subject's common names are
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
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      return {
        ok: false,
        problem: "weak-key",
        message: `RSA key of ${bits} bits; expected at least ${MIN_RSA_BITS}`,
      };
    }
  } else if (key.asymmetricKeyType !== "ec" || !ALLOWED_CURVES.has(details.namedCurve ?? "")) {
    const kind =
      key.asymmetricKeyType === "ec" ? `EC ${details.namedCurve}` : key.asymmetricKeyType;
    return {
      ok: false,
      problem: "weak-key",
      message: `${kind} key; expected EC P-256, EC P-384 or RSA >= ${MIN_RSA_BITS}`,
    };
  }
  return { ok: true, commonNames: csr.subjectName.getField("CN") };
}
