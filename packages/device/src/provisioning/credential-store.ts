import { chmod, mkdir, readFile, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorText } from "../error-text.ts";
import { CredentialsError } from "../errors.ts";
import { writePrivateFile } from "../private-file.ts";
import { certificateMatchesKey } from "./key-material.ts";

/**
 * What the device holds of its own credentials:
 * - `provisioned`: key and certificate; connect as the thing, never provision again.
 * - `key-only`: a key written before a provisioning attempt that did not finish.
 * - `none`: first boot.
 */
export type CredentialsState = "provisioned" | "key-only" | "none";

export interface CredentialFiles {
  certFile: string;
  keyFile: string;
}

/**
 * The device's own key and certificate files. Every write goes to a temporary file that is
 * renamed into place (write-file-atomic), mode 0600 in a 0700 directory, so a crash or power
 * cut leaves either the old file or the new one, never a truncated key.
 */
export interface CredentialStore {
  state(): Promise<CredentialsState>;
  /** The stored private key PEM; throws `CredentialsError` when it cannot be read. */
  readKey(): Promise<string>;
  writeKey(privateKeyPem: string): Promise<void>;
  /** Throws `CredentialsError` (nothing written) when the certificate is not for the stored key. */
  writeCertificate(certificatePem: string): Promise<void>;
  /**
   * Moves the certificate and key, as they are, to `revoked/<timestamp>/` beside them (0700
   * directories, 0600 files) and returns that directory; the state becomes `none`. Nothing is
   * deleted: an operator can still inspect or restore a certificate the device gave up on.
   */
  moveToRevoked(at: Date): Promise<string>;
}

export function createCredentialStore(files: CredentialFiles): CredentialStore {
  const readKey = async () => {
    try {
      return await readFile(files.keyFile, "utf8");
    } catch (cause) {
      throw new CredentialsError(
        `cannot read the device key ${files.keyFile}: ${errorText(cause)}`,
        { file: files.keyFile },
        { cause },
      );
    }
  };

  return {
    async state() {
      const [hasCert, hasKey] = await Promise.all([exists(files.certFile), exists(files.keyFile)]);
      if (hasCert && !hasKey) {
        // Provisioning again would register a second certificate for this thing and hide a
        // broken image or a deleted key; refuse and let the operator look.
        throw new CredentialsError(
          `the device certificate ${files.certFile} exists but its key ${files.keyFile} does not`,
          { file: files.keyFile },
        );
      }
      if (hasCert) return "provisioned";
      return hasKey ? "key-only" : "none";
    },
    readKey,
    async writeKey(privateKeyPem) {
      await writePrivateFile(files.keyFile, privateKeyPem);
    },
    async writeCertificate(certificatePem) {
      if (!certificateMatchesKey(certificatePem, await readKey())) {
        throw new CredentialsError(
          `the issued certificate does not match the device key ${files.keyFile}`,
          { file: files.certFile },
        );
      }
      await writePrivateFile(files.certFile, certificatePem);
    },
    async moveToRevoked(at) {
      const revokedDir = join(dirname(files.certFile), "revoked");
      // Colons are legal on Linux but awkward in shells and archives.
      const target = join(revokedDir, at.toISOString().replaceAll(":", "-"));
      try {
        await mkdir(revokedDir, { recursive: true, mode: 0o700 });
        await chmod(revokedDir, 0o700);
        // Not recursive: an existing directory of that instant must not be mixed into.
        await mkdir(target, { mode: 0o700 });
        // Certificate first: a crash between the renames leaves the key alone, which reads as
        // an unfinished provisioning (`key-only`), never as a certificate without its key.
        const moves = [
          [files.certFile, "cert.pem"],
          [files.keyFile, "key.pem"],
        ] as const;
        for (const [from, name] of moves) {
          await rename(from, join(target, name));
          await chmod(join(target, name), 0o600);
        }
      } catch (cause) {
        throw new CredentialsError(
          `cannot move the device credentials to ${target}: ${errorText(cause)}`,
          { file: files.certFile },
          { cause },
        );
      }
      return target;
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new CredentialsError(
      `cannot read ${file}: ${errorText(error)}`,
      { file },
      { cause: error },
    );
  }
}
