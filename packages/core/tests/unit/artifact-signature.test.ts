import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ArtifactSignatureSchema,
  artifactSigningPayload,
  parseReleasePrivateKey,
  parseReleasePublicKey,
  releaseKeyId,
  signArtifact,
  verifyArtifactSignature,
} from "../../src/contracts/artifact-signature.ts";
import { ArtifactSignatureError, ReleaseKeyError } from "../../src/contracts/contract-errors.ts";

const RELEASE_KEY = generateKeyPairSync("ed25519");
const OTHER_KEY = generateKeyPairSync("ed25519");
const LED = { app: "led", version: "1.0.0", sha256: "ab".repeat(32) };

function refusal(check: () => void): ArtifactSignatureError {
  try {
    check();
  } catch (error) {
    if (error instanceof ArtifactSignatureError) return error;
    throw error;
  }
  throw new Error("expected the signature to be refused");
}

describe("artifact signatures", () => {
  it("signs the context, app, version and digest, one per line", () => {
    expect(artifactSigningPayload(LED).toString("utf8")).toBe(
      `fleet-app-artifact:v1\nled\n1.0.0\n${"ab".repeat(32)}`,
    );
  });

  it("verifies a signature made with the release key over the same app, version and digest", () => {
    const signature = signArtifact(LED, RELEASE_KEY.privateKey);

    expect(ArtifactSignatureSchema.parse(signature)).toEqual(signature);
    expect(signature.keyId).toBe(releaseKeyId(RELEASE_KEY.publicKey));
    expect(() => verifyArtifactSignature(LED, signature, RELEASE_KEY.publicKey)).not.toThrow();
  });

  it("refuses a step without a signature as SignatureMissing", () => {
    const error = refusal(() => verifyArtifactSignature(LED, undefined, RELEASE_KEY.publicKey));

    expect(error.code).toBe("SignatureMissing");
    expect(error.message).toBe(
      "led@1.0.0 is not signed; this device installs signed artifacts only",
    );
  });

  it("refuses the signature when the digest was tampered with", () => {
    const signature = signArtifact(LED, RELEASE_KEY.privateKey);
    const tampered = { ...LED, sha256: "cd".repeat(32) };

    const error = refusal(() =>
      verifyArtifactSignature(tampered, signature, RELEASE_KEY.publicKey),
    );
    expect(error.code).toBe("SignatureInvalid");
    expect(error.message).toContain("does not verify");
  });

  it("refuses a signature replayed for another app or another version", () => {
    const signature = signArtifact(LED, RELEASE_KEY.privateKey);

    for (const other of [
      { ...LED, app: "button" },
      { ...LED, version: "2.0.0" },
      // The line break keeps "led\n1.0.0" from reading as app "led\n1" version "0.0".
      { ...LED, app: "led\n1", version: "0.0" },
    ]) {
      expect(
        refusal(() => verifyArtifactSignature(other, signature, RELEASE_KEY.publicKey)).code,
      ).toBe("SignatureInvalid");
    }
  });

  it("refuses a signature made with another key, naming both key ids", () => {
    const signature = signArtifact(LED, OTHER_KEY.privateKey);

    const error = refusal(() => verifyArtifactSignature(LED, signature, RELEASE_KEY.publicKey));
    expect(error.code).toBe("SignatureInvalid");
    expect(error.message).toBe(
      `led@1.0.0 is signed with release key ${releaseKeyId(OTHER_KEY.publicKey)}; this device trusts ${releaseKeyId(RELEASE_KEY.publicKey)}`,
    );
  });

  it("refuses another key's signature that claims the trusted key id", () => {
    const forged = {
      keyId: releaseKeyId(RELEASE_KEY.publicKey),
      value: signArtifact(LED, OTHER_KEY.privateKey).value,
    };

    expect(refusal(() => verifyArtifactSignature(LED, forged, RELEASE_KEY.publicKey)).code).toBe(
      "SignatureInvalid",
    );
  });

  it("refuses malformed signatures: garbage, truncated, too long, empty", () => {
    const keyId = releaseKeyId(RELEASE_KEY.publicKey);
    const good = Buffer.from(signArtifact(LED, RELEASE_KEY.privateKey).value, "base64");

    for (const bytes of [
      Buffer.from("garbage"),
      good.subarray(0, 63),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.alloc(0),
      Buffer.alloc(64),
    ]) {
      const signature = { keyId, value: bytes.toString("base64") };
      expect(
        refusal(() => verifyArtifactSignature(LED, signature, RELEASE_KEY.publicKey)).code,
      ).toBe("SignatureInvalid");
    }
  });

  it("takes signatures in the job document only as a key id and base64", () => {
    const keyId = releaseKeyId(RELEASE_KEY.publicKey);

    expect(ArtifactSignatureSchema.safeParse({ keyId, value: "not base64!" }).success).toBe(false);
    expect(ArtifactSignatureSchema.safeParse({ keyId: "KEY", value: "AAAA" }).success).toBe(false);
    expect(ArtifactSignatureSchema.safeParse("c2lnbmF0dXJl").success).toBe(false);
  });

  it("reads Ed25519 keys from PEM and refuses other keys and garbage", () => {
    const pem = {
      public: RELEASE_KEY.publicKey.export({ type: "spki", format: "pem" }).toString(),
      private: RELEASE_KEY.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
    const ecdsa = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();

    expect(releaseKeyId(parseReleasePublicKey(pem.public, "release.pub"))).toBe(
      releaseKeyId(RELEASE_KEY.publicKey),
    );
    expect(releaseKeyId(parseReleasePrivateKey(pem.private, "release.pem"))).toBe(
      releaseKeyId(RELEASE_KEY.publicKey),
    );
    expect(() => parseReleasePublicKey(ecdsa, "p256.pub")).toThrow(
      new ReleaseKeyError("p256.pub is a ec key; release keys are Ed25519", { source: "p256.pub" }),
    );
    expect(() => parseReleasePublicKey("garbage", "release.pub")).toThrow(ReleaseKeyError);
  });
});
