import { createPublicKey } from "node:crypto";
import type { RotationErrorCode } from "../contracts/rotation.ts";
import { x509 } from "./x509.ts";

/** EC curves a rotated key may use: the NIST curves AWS IoT accepts, P-256 and stronger. */
const ALLOWED_CURVES = new Set(["prime256v1", "secp384r1"]);
const MIN_RSA_BITS = 2048;

export type CsrCheck =
  | { ok: true }
  | {
      ok: false;
      errorCode: Extract<RotationErrorCode, "InvalidCsr" | "WeakKey" | "SubjectMismatch">;
      errorMessage: string;
    };

/**
 * Whether a rotation CSR may be signed for `thingName`: a PKCS#10 request whose signature
 * proves possession of the key, an EC P-256/P-384 or RSA >= 2048 key, and subject CN = thing.
 */
export async function checkRotationCsr(csrPem: string, thingName: string): Promise<CsrCheck> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    return { ok: false, errorCode: "InvalidCsr", errorMessage: "not a PEM PKCS#10 request" };
  }
  const verified = await csr.verify().catch(() => false);
  if (!verified) {
    return {
      ok: false,
      errorCode: "InvalidCsr",
      errorMessage: "the CSR signature does not verify",
    };
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
        errorCode: "WeakKey",
        errorMessage: `RSA key of ${bits} bits; expected at least ${MIN_RSA_BITS}`,
      };
    }
  } else if (key.asymmetricKeyType !== "ec" || !ALLOWED_CURVES.has(details.namedCurve ?? "")) {
    const kind =
      key.asymmetricKeyType === "ec" ? `EC ${details.namedCurve}` : key.asymmetricKeyType;
    return {
      ok: false,
      errorCode: "WeakKey",
      errorMessage: `${kind} key; expected EC P-256, EC P-384 or RSA >= ${MIN_RSA_BITS}`,
    };
  }
  const commonNames = csr.subjectName.getField("CN");
  if (commonNames.length !== 1 || commonNames[0] !== thingName) {
    return {
      ok: false,
      errorCode: "SubjectMismatch",
      errorMessage: `subject CN is ${JSON.stringify(commonNames.join(","))}; expected "${thingName}"`,
    };
  }
  return { ok: true };
}
