import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { readOptionalFile, writePrivateFile } from "../state/private-files.ts";

/** `<stateDir>/artifact-url.key`: the HMAC secret artifact URLs are signed with (0600). */
export const ARTIFACT_URL_KEY_FILE = "artifact-url.key";

/** The path the artifact server serves `<stateDir>/artifacts/<key>` under. */
export const ARTIFACTS_PATH = "/artifacts/";

/** What a signed URL check decided; `reason` says why a URL is refused. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Signs and checks the artifact server's expiring URLs, the sandbox's stand-in for S3
 * presigned URLs: `?expires=<epoch seconds>&signature=<hex HMAC-SHA256 of "<key>\n<expires>">`.
 */
export class ArtifactUrlSigner {
  readonly #secret: Buffer;

  private constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** Loads the sandbox's secret, creating it on first start. */
  static async open(stateDir: string): Promise<ArtifactUrlSigner> {
    const path = join(stateDir, ARTIFACT_URL_KEY_FILE);
    const stored = await readOptionalFile(path);
    if (stored !== null) return new ArtifactUrlSigner(Buffer.from(stored.trim(), "hex"));
    const secret = randomBytes(32);
    await writePrivateFile(path, `${secret.toString("hex")}\n`);
    return new ArtifactUrlSigner(secret);
  }

  /**
   * The signed form of an artifact URL (`<origin>/artifacts/<key>`), valid until `expiresAt`.
   * The URL's origin is replaced by `origin` (the server's port changes between starts, stored
   * job documents keep the one they were created with).
   */
  sign(unsignedUrl: string, expiresAt: Date, origin: string): string {
    const { pathname } = new URL(unsignedUrl);
    const key = decodeURIComponent(pathname.slice(ARTIFACTS_PATH.length));
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${origin}${ARTIFACTS_PATH}${encodeKey(key)}?expires=${expires}&signature=${this.#mac(key, expires)}`;
  }

  check(key: string, expires: string | null, signature: string | null, now: Date): SignatureCheck {
    if (expires === null || signature === null) {
      return { ok: false, reason: "the URL is not signed (expires and signature are required)" };
    }
    const seconds = Number(expires);
    if (!/^\d+$/.test(expires) || !Number.isSafeInteger(seconds)) {
      return { ok: false, reason: "expires is not a whole number of seconds since the epoch" };
    }
    const expected = Buffer.from(this.#mac(key, seconds), "hex");
    const given = Buffer.from(signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "the signature does not match" };
    }
    if (seconds * 1000 <= now.getTime()) {
      return { ok: false, reason: `the URL expired at ${new Date(seconds * 1000).toISOString()}` };
    }
    return { ok: true };
  }

  #mac(key: string, expires: number): string {
    return createHmac("sha256", this.#secret).update(`${key}\n${expires}`).digest("hex");
  }
}

/** A key's URL path: each segment percent-encoded, slashes kept. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}
