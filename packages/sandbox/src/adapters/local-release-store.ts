import { ReleaseAlreadyExistsError, type ReleasePatch, type ReleaseStore } from "@fleet/core";
import { type ReleasePhase, type ReleaseRecord, ReleaseRecordSchema } from "@fleet/core/contracts";
import { z } from "zod";
import { StateFileError } from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";

const ReleasesFileSchema = z.object({
  version: z.literal(1),
  releases: z.array(ReleaseRecordSchema),
});

/**
 * The `ReleaseStore` port as one JSON file (the sandbox's stand-in for the DynamoDB table),
 * loaded on first use and written atomically after each change. Each check-and-write runs
 * without an await in between, so updates are as conditional as DynamoDB's.
 */
export class LocalReleaseStore implements ReleaseStore {
  readonly #path: string;
  readonly #records = new Map<string, ReleaseRecord>();
  readonly #writer: CoalescingWriter;
  #loaded: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify({ version: 1, releases: [...this.#records.values()] }, null, 2)}\n`,
    );
  }

  async create(record: ReleaseRecord): Promise<void> {
    await this.#load();
    if (this.#records.has(record.releaseId)) {
      throw new ReleaseAlreadyExistsError(`Release ${record.releaseId} already exists`, {
        releaseId: record.releaseId,
      });
    }
    this.#records.set(record.releaseId, structuredClone(record));
    await this.#writer.write();
  }

  async get(releaseId: string): Promise<ReleaseRecord | null> {
    await this.#load();
    const record = this.#records.get(releaseId);
    return record === undefined ? null : structuredClone(record);
  }

  async update(
    releaseId: string,
    patch: ReleasePatch,
    expectedPhase: ReleasePhase,
  ): Promise<ReleaseRecord | null> {
    await this.#load();
    const record = this.#records.get(releaseId);
    if (record?.phase !== expectedPhase) return null;
    const updated = { ...record, ...patch };
    this.#records.set(releaseId, updated);
    await this.#writer.write();
    return structuredClone(updated);
  }

  async *list(): AsyncIterable<ReleaseRecord> {
    await this.#load();
    const records = [...this.#records.values()].sort((a, b) =>
      b.createdAt.localeCompare(a.createdAt),
    );
    for (const record of records) yield structuredClone(record);
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const text = await readOptionalFile(this.#path);
      if (text === null) return;
      let parsed: z.infer<typeof ReleasesFileSchema>;
      try {
        parsed = ReleasesFileSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new StateFileError(this.#path, "not a releases file", { cause: error });
      }
      for (const record of parsed.releases) this.#records.set(record.releaseId, record);
    })();
    return this.#loaded;
  }
}
