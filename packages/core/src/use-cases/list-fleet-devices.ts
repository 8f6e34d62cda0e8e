import type { DeviceView } from "../contracts/device-view.ts";
import type { DeviceLedger, LedgerEntry } from "../ports/device-ledger.ts";
import type { FleetInventory } from "../ports/fleet-inventory.ts";
import type { AllowListSource } from "./decide-provisioning.ts";

export interface ListFleetDevicesDeps {
  inventory: FleetInventory;
  allowList: AllowListSource;
  ledger: DeviceLedger;
}

/**
 * The rows of `fleet devices`: provisioned things, and the serials that have no thing (yet, or
 * any more) with what the ledger knows about them.
 * 1. Read the things, the allow-list and the ledger.
 * 2. Each thing is a row as the inventory derived it.
 * 3. Each allow-listed serial without a thing is `pending`, or `denied` with the hook's reason
 *    when its ledger entry is a denial (a revocation before it was listed again is
 *    history: it waits to provision, so `pending`).
 * 4. Each ledger serial neither a thing nor listed is `denied` or `revoked` with its reason.
 * 5. Sort by serial.
 */
export function createListFleetDevices(deps: ListFleetDevicesDeps): () => Promise<DeviceView[]> {
  return async () => {
    const [things, list, entries] = await Promise.all([
      deps.inventory.listDevices(),
      deps.allowList.current(),
      readLedger(deps.ledger),
    ]);
    const rows = new Map<string, DeviceView>(things.map((view) => [view.serial, view]));

    for (const serial of list.serials) {
      if (rows.has(serial)) continue;
      const entry = entries.get(serial);
      rows.set(
        serial,
        entry?.outcome === "denied"
          ? thingless(serial, "denied", entry.reason)
          : thingless(serial, "pending", null),
      );
    }
    for (const entry of entries.values()) {
      if (!rows.has(entry.serial))
        rows.set(entry.serial, thingless(entry.serial, entry.outcome, entry.reason));
    }

    return [...rows.values()].sort((a, b) =>
      a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0,
    );
  };
}

async function readLedger(ledger: DeviceLedger): Promise<Map<string, LedgerEntry>> {
  const entries = new Map<string, LedgerEntry>();
  // The ledger keeps one entry per serial, its latest.
  for await (const entry of ledger.list()) entries.set(entry.serial, entry);
  return entries;
}

function thingless(serial: string, state: DeviceView["state"], reason: string | null): DeviceView {
  return {
    serial,
    thingName: null,
    state,
    connected: false,
    certificateId: null,
    notAfter: null,
    reason,
    apps: {},
  };
}
