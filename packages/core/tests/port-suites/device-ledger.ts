import { afterEach, describe, expect, it } from "vitest";
import type { DeviceLedger, LedgerEntry } from "../../src/ports/index.ts";

/** One adapter under test, backed by fresh, empty state (a temp file, a mocked table). */
export interface DeviceLedgerSubject {
  ledger: DeviceLedger;
  /** Releases what makeSubject opened (temp dirs, mocks). */
  close?(): Promise<void>;
}

async function listAll(ledger: DeviceLedger): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of ledger.list()) entries.push(entry);
  return entries.sort((a, b) => a.serial.localeCompare(b.serial));
}

function entry(serial: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    serial,
    outcome: "denied",
    reason: `serial "${serial}" is not on the allow-list (version v1)`,
    at: "2025-01-02T03:04:05.000Z",
    ...overrides,
  };
}

/** The DeviceLedger contract: one entry per serial, the latest wins, clearing is idempotent. */
export function describeDeviceLedger(
  name: string,
  makeSubject: () => Promise<DeviceLedgerSubject>,
): void {
  describe(`DeviceLedger contract: ${name}`, () => {
    let opened: DeviceLedgerSubject | undefined;
    async function subject(): Promise<DeviceLedgerSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("lists nothing when nothing was recorded", async () => {
      const { ledger } = await subject();
      expect(await listAll(ledger)).toEqual([]);
    });

    it("lists each recorded entry exactly as recorded", async () => {
      const { ledger } = await subject();
      const denied = entry("device-0001");
      const revoked = entry("device-0002", {
        outcome: "revoked",
        reason: "removed from the allow-list (version v2)",
        at: "2025-02-03T04:05:06.789Z",
      });
      await ledger.record(denied);
      await ledger.record(revoked);
      expect(await listAll(ledger)).toEqual([denied, revoked]);
    });

    it("keeps one entry per serial: recording it again replaces the previous one", async () => {
      const { ledger } = await subject();
      await ledger.record(entry("device-0001"));
      await ledger.record(entry("device-0001"));
      const latest = entry("device-0001", {
        outcome: "revoked",
        reason: "removed from the allow-list (version v3)",
        at: "2025-03-04T05:06:07.000Z",
      });
      await ledger.record(latest);
      expect(await listAll(ledger)).toEqual([latest]);
    });

    it("clears only the given serial's entry, twice without error", async () => {
      const { ledger } = await subject();
      await ledger.record(entry("device-0001"));
      await ledger.record(entry("device-0002"));
      await ledger.clear("device-0001");
      await ledger.clear("device-0001");
      expect(await listAll(ledger)).toEqual([entry("device-0002")]);
    });

    it("clears a serial that has no entry without error", async () => {
      const { ledger } = await subject();
      await expect(ledger.clear("device-0001")).resolves.toBeUndefined();
      expect(await listAll(ledger)).toEqual([]);
    });

    it("lists every entry of a ledger of 250 serials", async () => {
      const { ledger } = await subject();
      const entries = Array.from({ length: 250 }, (_, i) =>
        entry(`device-${String(i).padStart(4, "0")}`),
      );
      for (const e of entries) await ledger.record(e);
      expect(await listAll(ledger)).toEqual(entries);
    });
  });
}
