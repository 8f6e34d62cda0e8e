import { createPublicKey, KeyObject, type webcrypto } from "node:crypto";
import { UnsupportedKeyError } from "../errors.ts";

const MIN_RSA_BITS = 2048;

/** A public key the CA may certify: a KeyObject, a WebCrypto key, or SPKI as PEM or DER. */
export type PublicKeyInput = KeyObject | webcrypto.CryptoKey | string | Uint8Array;

function toKeyObject(input: PublicKeyInput): KeyObject {
  if (typeof input === "string") return createPublicKey(input);
  if (input instanceof Uint8Array) {
    return createPublicKey({ key: Buffer.from(input), format: "der", type: "spki" });
  }
  if (input instanceof KeyObject) return input;
  return KeyObject.from(input);
}

/**
 * Returns the key's SPKI DER after checking that its type and size are ones AWS IoT accepts
 * for device certificates and this product allows: EC P-256, or RSA of at least 2048 bits.
 */
export function acceptedPublicKeySpki(input: PublicKeyInput): Buffer {
  let key: KeyObject;
  try {
    key = toKeyObject(input);
  } catch (error) {
    throw new UnsupportedKeyError("unknown", "the public key cannot be parsed", { cause: error });
  }
  const type = key.asymmetricKeyType ?? "unknown";
  const details = key.asymmetricKeyDetails ?? {};
  if (type === "ec") {
    if (details.namedCurve !== "prime256v1") {
      throw new UnsupportedKeyError("ec", `curve ${details.namedCurve ?? "unknown"}`);
    }
  } else if (type === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new UnsupportedKeyError("rsa", `${bits}-bit modulus`);
  } else {
    throw new UnsupportedKeyError(type, "key type not accepted");
  }
  return key.export({ type: "spki", format: "der" });
}
