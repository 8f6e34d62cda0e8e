import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { AllowListStore, AllowListWriteOptions, StoredAllowList } from "@fleet/core";
import writeFileAtomic from "write-file-atomic";
import * as z from "zod";
import { StateFileError } from "../errors.ts";
import { ensurePrivateDir, readOptionalFile } from "../state/private-files.ts";

const CURRENT_FILE = "current.json";

const CurrentSchema = z.object({
  version: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  allowEmpty: z.boolean(),
  revocationsConfirmed: z.boolean().default(false),
});
type Current = z.infer<typeof CurrentSchema>;

/**
 * The sandbox's allow-list: the uploaded bytes in `<dir>/<version>.list`, named by their SHA-256
 * (the version), and `<dir>/current.json` naming the current one. A new list is written in
 * full before `current.json` is switched to it, so a crash never leaves a half-written list
 * current; the previous list's file is removed afterwards.
 */
export class LocalAllowListStore implements AllowListStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async read(): Promise<StoredAllowList | null> {
    const current = await this.#current();
    if (current === null) return null;
    const path = this.#listPath(current.version);
    return {
      version: current.version,
      size: current.size,
      allowEmpty: current.allowEmpty,
      revocationsConfirmed: current.revocationsConfirmed,
      // Opened only when read: a cache that only compares versions never touches the file.
      body: (async function* () {
        try {
          yield* createReadStream(path) as AsyncIterable<Buffer>;
        } catch (error) {
          throw new StateFileError(path, "the current allow-list file cannot be read", {
            cause: error,
          });
        }
      })(),
    };
  }

  async write(body: Uint8Array, options: AllowListWriteOptions): Promise<{ version: string }> {
    await ensurePrivateDir(this.#dir);
    const previous = await this.#current();
    const version = createHash("sha256").update(body).digest("hex");
    await writeFileAtomic(this.#listPath(version), Buffer.from(body), { mode: 0o600 });
    const current: Current = {
      version,
      size: body.byteLength,
      allowEmpty: options.allowEmpty,
      revocationsConfirmed: options.revocationsConfirmed ?? false,
    };
    await writeFileAtomic(join(this.#dir, CURRENT_FILE), `${JSON.stringify(current, null, 2)}\n`, {
      mode: 0o600,
    });
    if (previous !== null && previous.version !== version) {
      await rm(this.#listPath(previous.version), { force: true });
    }
    return { version };
  }

  async #current(): Promise<Current | null> {
    const path = join(this.#dir, CURRENT_FILE);
    const text = await readOptionalFile(path);
    if (text === null) return null;
    try {
      return CurrentSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new StateFileError(path, "not an allow-list pointer file", { cause: error });
    }
  }

  #listPath(version: string): string {
    return join(this.#dir, `${version}.list`);
  }
}
