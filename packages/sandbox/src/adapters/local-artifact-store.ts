import { randomUUID } from "node:crypto";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ArtifactStore } from "@fleet/core";
import { presignedUrlPlaceholder } from "@fleet/core/contracts";
import { isArtifactKey } from "../artifacts/artifact-server.ts";
import { ARTIFACTS_PATH, encodeKey } from "../artifacts/artifact-url-signer.ts";
import { InvalidRequestError } from "../errors.ts";

/**
 * The `ArtifactStore` port over the sandbox's artifact server: files under
 * `<stateDir>/artifacts/<key>`, and job documents naming them by a presigned-URL placeholder
 * that the sandbox's Jobs API signs on delivery, as AWS IoT does for S3.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly #dir: string;
  readonly #origin: string;

  /** `dir`: `<stateDir>/artifacts`; `origin`: the artifact server's `http://127.0.0.1:<port>`. */
  constructor(options: { dir: string; origin: string }) {
    this.#dir = options.dir;
    this.#origin = options.origin;
  }

  /** Copies the file into place atomically (temporary file, then rename); a stored key is kept. */
  async put(
    key: string,
    file: { path: string; size: number; sha256: string },
    onProgress?: (sentBytes: number) => void,
  ): Promise<void> {
    const target = this.#path(key);
    if ((await sizeOf(target)) === file.size) {
      onProgress?.(file.size);
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    try {
      await copyFile(file.path, temporary);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    onProgress?.(file.size);
  }

  documentUrl(key: string): string {
    this.#path(key);
    return presignedUrlPlaceholder(`${this.#origin}${ARTIFACTS_PATH}${encodeKey(key)}`);
  }

  #path(key: string): string {
    if (!isArtifactKey(key)) {
      throw new InvalidRequestError(
        "key",
        `${JSON.stringify(key)} is not an artifact key (slash-separated segments of [A-Za-z0-9._-])`,
      );
    }
    return join(this.#dir, key);
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
