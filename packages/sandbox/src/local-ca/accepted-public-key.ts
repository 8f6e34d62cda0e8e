import { createPublicKey, KeyObject, type webcrypto } from "node:crypto";
import { deviceKeyProblem } from "@fleet/core";
import { UnsupportedKeyError } from "../errors.ts";

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
 * Returns the key's SPKI DER after checking it is a key the product certifies (core's
 * `deviceKeyProblem`, the rule the stage's CSR checks apply).
 */
export function acceptedPublicKeySpki(input: PublicKeyInput): Buffer {
  let key: KeyObject;
  try {
    key = toKeyObject(input);
  } catch (error) {
    throw new UnsupportedKeyError("unknown", "the public key cannot be parsed", { cause: error });
  }
  const problem = deviceKeyProblem(key);
  if (problem) throw new UnsupportedKeyError(problem.keyType, problem.detail);
  return key.export({ type: "spki", format: "der" });
}
