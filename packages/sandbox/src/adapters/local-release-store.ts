import { ReleaseAlreadyExistsError, type ReleasePatch, type ReleaseStore } from "@fleet/core";
import { type ReleasePhase, type ReleaseRecord, ReleaseRecordSchema } from "@fleet/core/contracts";
import { type JsonRecordFile, openJsonRecordFile } from "../state/json-record-file.ts";

/**
 * The `ReleaseStore` port as one JSON file (the sandbox's stand-in for the DynamoDB table),
 * loaded on first use and written atomically after each change. Each check-and-write runs
 * without an await in between, so updates are as conditional as DynamoDB's.
 */
export class LocalReleaseStore implements ReleaseStore {
  readonly #file: JsonRecordFile<ReleaseRecord>;

  constructor(path: string) {
    this.#file = openJsonRecordFile({
      path,
      field: "releases",
      recordSchema: ReleaseRecordSchema,
      keyOf: (record) => record.releaseId,
      what: "releases",
    });
  }

  async create(record: ReleaseRecord): Promise<void> {
    const records = await this.#file.records();
    if (records.has(record.releaseId)) {
      throw new ReleaseAlreadyExistsError(`Release ${record.releaseId} already exists`, {
        releaseId: record.releaseId,
      });
    }
    records.set(record.releaseId, structuredClone(record));
    await this.#file.save();
  }

  async get(releaseId: string): Promise<ReleaseRecord | null> {
    const records = await this.#file.records();
    const record = records.get(releaseId);
    return record === undefined ? null : structuredClone(record);
  }

  async update(
    releaseId: string,
    patch: ReleasePatch,
    expectedPhase: ReleasePhase,
  ): Promise<ReleaseRecord | null> {
    const records = await this.#file.records();
    const record = records.get(releaseId);
    if (record?.phase !== expectedPhase) return null;
    const updated = { ...record, ...patch };
    records.set(releaseId, updated);
    await this.#file.save();
    return structuredClone(updated);
  }

  async *list(): AsyncIterable<ReleaseRecord> {
    const records = [...(await this.#file.records()).values()].sort((a, b) =>
      b.createdAt.localeCompare(a.createdAt),
    );
    for (const record of records) yield structuredClone(record);
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }
}
