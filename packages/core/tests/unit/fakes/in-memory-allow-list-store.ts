import { createHash } from "node:crypto";
import type {
  AllowListStore,
  AllowListWriteOptions,
  StoredAllowList,
} from "../../../src/ports/index.ts";
import { Faults } from "./faults.ts";

/** Each read streams the body in small chunks, so parsers meet lines split across chunks. */
const CHUNK_BYTES = 7;

/** A versioned store in memory (versions like S3's: a new one per write). */
export class InMemoryAllowListStore implements AllowListStore {
  readonly faults = new Faults();
  #current: {
    version: string;
    bytes: Uint8Array;
    allowEmpty: boolean;
    revocationsConfirmed: boolean;
  } | null = null;
  #writes = 0;

  async read(): Promise<StoredAllowList | null> {
    this.faults.check("read");
    const current = this.#current;
    if (current === null) return null;
    return {
      version: current.version,
      body: chunks(current.bytes),
      size: current.bytes.byteLength,
      allowEmpty: current.allowEmpty,
      revocationsConfirmed: current.revocationsConfirmed,
    };
  }

  async write(body: Uint8Array, options: AllowListWriteOptions): Promise<{ version: string }> {
    this.faults.check("write");
    const digest = createHash("sha256").update(body).digest("hex").slice(0, 8);
    const version = `v${++this.#writes}-${digest}`;
    this.#current = {
      version,
      bytes: body.slice(),
      allowEmpty: options.allowEmpty,
      revocationsConfirmed: options.revocationsConfirmed ?? false,
    };
    return { version };
  }

  /** Stores a text list: `serials.join("\n")`. */
  writeSerials(
    serials: string[],
    options: AllowListWriteOptions = { allowEmpty: false },
  ): Promise<{ version: string }> {
    return this.write(new TextEncoder().encode(serials.map((s) => `${s}\n`).join("")), options);
  }
}

async function* chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) {
    yield bytes.slice(at, at + CHUNK_BYTES);
  }
}
