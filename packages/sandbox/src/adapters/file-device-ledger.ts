import type { DeviceLedger, LedgerEntry } from "@fleet/core";
import * as z from "zod";
import { type JsonRecordFile, openJsonRecordFile } from "../state/json-record-file.ts";

const LedgerEntrySchema = z.object({
  serial: z.string(),
  outcome: z.enum(["denied", "revoked"]),
  reason: z.string(),
  at: z.iso.datetime(),
});

/**
 * The `DeviceLedger` port as one JSON file (the sandbox's stand-in for the DynamoDB table):
 * the latest entry per serial, loaded on first use and written after each change.
 */
export class FileDeviceLedger implements DeviceLedger {
  readonly #file: JsonRecordFile<LedgerEntry>;

  constructor(path: string) {
    this.#file = openJsonRecordFile({
      path,
      field: "entries",
      recordSchema: LedgerEntrySchema,
      keyOf: (entry) => entry.serial,
      what: "device ledger",
    });
  }

  async record(entry: LedgerEntry): Promise<void> {
    const entries = await this.#file.records();
    entries.set(entry.serial, { ...entry });
    await this.#file.save();
  }

  async clear(serial: string): Promise<void> {
    const entries = await this.#file.records();
    if (!entries.delete(serial)) return;
    await this.#file.save();
  }

  async *list(): AsyncIterable<LedgerEntry> {
    const entries = await this.#file.records();
    for (const entry of [...entries.values()]) yield { ...entry };
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }
}
