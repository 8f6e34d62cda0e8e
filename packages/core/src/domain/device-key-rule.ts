import type { KeyObject } from "node:crypto";

/**
 * The device keys this product certifies, on the stage and in the sandbox alike: what both of
 * the stage's signers accept. AWS IoT's CreateCertificateFromCsr takes RSA of at least 2048 bits
 * or NIST P-256/P-384/P-521; AWS Private CA's key algorithms are RSA 2048/4096, EC prime256v1 and
 * secp384r1 ("Supported cryptographic algorithms", AWS Private CA User Guide). So: P-256, P-384,
 * RSA >= 2048.
 */
const ACCEPTED_CURVES = new Set(["prime256v1", "secp384r1"]);
export const MIN_DEVICE_RSA_BITS = 2048;
export const ACCEPTED_DEVICE_KEYS = `EC P-256, EC P-384 or RSA >= ${MIN_DEVICE_RSA_BITS}`;

export interface DeviceKeyProblem {
  /** `rsa`, `ec`, or the key's other type. */
  keyType: string;
  /** What is wrong: `curve secp521r1`, `1024-bit modulus`, `key type not accepted`. */
  detail: string;
  /** One sentence for a refusal: what the key is and what is expected. */
  message: string;
}

/** Why a device key may not be certified, or undefined when it may. */
export function deviceKeyProblem(key: KeyObject): DeviceKeyProblem | undefined {
  const keyType = key.asymmetricKeyType ?? "unknown";
  const details = key.asymmetricKeyDetails ?? {};
  if (keyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits >= MIN_DEVICE_RSA_BITS) return undefined;
    return {
      keyType,
      detail: `${bits}-bit modulus`,
      message: `RSA key of ${bits} bits; expected at least ${MIN_DEVICE_RSA_BITS}`,
    };
  }
  if (keyType === "ec") {
    if (ACCEPTED_CURVES.has(details.namedCurve ?? "")) return undefined;
    const curve = details.namedCurve ?? "unknown";
    return {
      keyType,
      detail: `curve ${curve}`,
      message: `EC ${curve} key; expected ${ACCEPTED_DEVICE_KEYS}`,
    };
  }
  return {
    keyType,
    detail: "key type not accepted",
    message: `${keyType} key; expected ${ACCEPTED_DEVICE_KEYS}`,
  };
}
