import type { DeviceLedger, LedgerEntry } from "../../../src/ports/index.ts";
import { Faults } from "./faults.ts";

export class InMemoryDeviceLedger implements DeviceLedger {
  readonly faults = new Faults();
  readonly #entries = new Map<string, LedgerEntry>();

  async record(entry: LedgerEntry): Promise<void> {
    this.faults.check("record", entry.serial);
    this.#entries.set(entry.serial, { ...entry });
  }

  async clear(serial: string): Promise<void> {
    this.faults.check("clear", serial);
    this.#entries.delete(serial);
  }

  async *list(): AsyncIterable<LedgerEntry> {
    this.faults.check("list");
    for (const entry of [...this.#entries.values()]) yield { ...entry };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry of a serial, for assertions. */
  get(serial: string): LedgerEntry | undefined {
    return this.#entries.get(serial);
  }
}
