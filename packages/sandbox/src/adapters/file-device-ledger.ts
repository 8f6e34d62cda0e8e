import type { DeviceLedger, LedgerEntry } from "@fleet/core";
import { z } from "zod";
import { StateFileError } from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";

const LedgerFileSchema = z.object({
  version: z.literal(1),
  entries: z.array(
    z.object({
      serial: z.string(),
      outcome: z.enum(["denied", "revoked"]),
      reason: z.string(),
      at: z.iso.datetime(),
    }),
  ),
});

/**
 * The `DeviceLedger` port as one JSON file (the sandbox's stand-in for the DynamoDB table):
 * the latest entry per serial, loaded on first use and written after each change.
 */
export class FileDeviceLedger implements DeviceLedger {
  readonly #path: string;
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #writer: CoalescingWriter;
  #loaded: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify({ version: 1, entries: [...this.#entries.values()] }, null, 2)}\n`,
    );
  }

  async record(entry: LedgerEntry): Promise<void> {
    await this.#load();
    this.#entries.set(entry.serial, { ...entry });
    await this.#writer.write();
  }

  async clear(serial: string): Promise<void> {
    await this.#load();
    if (!this.#entries.delete(serial)) return;
    await this.#writer.write();
  }

  async *list(): AsyncIterable<LedgerEntry> {
    await this.#load();
    for (const entry of [...this.#entries.values()]) yield { ...entry };
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const text = await readOptionalFile(this.#path);
      if (text === null) return;
      let parsed: z.infer<typeof LedgerFileSchema>;
      try {
        parsed = LedgerFileSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new StateFileError(this.#path, "not a device ledger file", { cause: error });
      }
      for (const entry of parsed.entries) this.#entries.set(entry.serial, entry);
    })();
    return this.#loaded;
  }
}
