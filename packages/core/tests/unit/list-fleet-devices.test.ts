import { describe, expect, it } from "vitest";
import { type DeviceView, DeviceViewSchema } from "../../src/contracts/index.ts";
import { createListFleetDevices } from "../../src/index.ts";
import type { LedgerEntry } from "../../src/ports/index.ts";
import { InMemoryDeviceLedger } from "./fakes/index.ts";

function provisioned(serial: string, connected = true): DeviceView {
  return {
    serial,
    thingName: serial,
    state: "provisioned",
    connected,
    certificateId: "a".repeat(64),
    notAfter: "2026-01-01T00:00:00.000Z",
    reason: null,
    apps: {},
  };
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

async function list(options: { things?: DeviceView[]; listed?: string[]; ledger?: LedgerEntry[] }) {
  const ledger = new InMemoryDeviceLedger();
  for (const entry of options.ledger ?? []) await ledger.record(entry);
  const listFleetDevices = createListFleetDevices({
    inventory: { listDevices: async () => options.things ?? [] },
    allowList: { current: async () => ({ version: "v3", serials: new Set(options.listed ?? []) }) },
    ledger,
  });
  const rows = await listFleetDevices();
  for (const row of rows) DeviceViewSchema.parse(row);
  return rows;
}

const denied = (
  serial: string,
  reason = `serial "${serial}" is not on the allow-list (version v2)`,
) => ({ serial, outcome: "denied", reason, at: "2025-05-01T00:00:00.000Z" }) as const;
const revoked = (serial: string) =>
  ({
    serial,
    outcome: "revoked",
    reason: "removed from the allow-list (version v3)",
    at: "2025-05-02T00:00:00.000Z",
  }) as const;

describe("listing the fleet for operators", () => {
  it("shows each thing as the inventory sees it, whatever the ledger says", async () => {
    const thing = provisioned("device-0001");
    expect(
      await list({ things: [thing], listed: ["device-0001"], ledger: [revoked("device-0001")] }),
    ).toEqual([thing]);
  });

  it("shows an allow-listed serial without a thing as pending", async () => {
    expect(await list({ listed: ["device-0001"] })).toEqual([
      thingless("device-0001", "pending", null),
    ]);
  });

  it("shows an allow-listed serial the hook denied as denied, with the hook's reason", async () => {
    const entry = denied(
      "device-0001",
      'certificate subject CN "x" is not the serial "device-0001"',
    );
    expect(await list({ listed: ["device-0001"], ledger: [entry] })).toEqual([
      thingless("device-0001", "denied", entry.reason),
    ]);
  });

  it("shows a denied serial that is not allow-listed as denied", async () => {
    expect(await list({ ledger: [denied("device-0003")] })).toEqual([
      thingless("device-0003", "denied", denied("device-0003").reason),
    ]);
  });

  it("shows a removed device as revoked, with the reconcile's reason", async () => {
    expect(await list({ ledger: [revoked("device-0002")] })).toEqual([
      thingless("device-0002", "revoked", "removed from the allow-list (version v3)"),
    ]);
  });

  it("shows a revoked serial that was listed again as pending: it may provision again", async () => {
    expect(await list({ listed: ["device-0002"], ledger: [revoked("device-0002")] })).toEqual([
      thingless("device-0002", "pending", null),
    ]);
  });

  it("sorts every row by serial", async () => {
    const rows = await list({
      things: [provisioned("device-0004", false), provisioned("device-0001")],
      listed: ["device-0001", "device-0004", "device-0003", "device-0000"],
      ledger: [revoked("device-0002"), denied("device-0005")],
    });
    expect(rows.map((row) => [row.serial, row.state])).toEqual([
      ["device-0000", "pending"],
      ["device-0001", "provisioned"],
      ["device-0002", "revoked"],
      ["device-0003", "pending"],
      ["device-0004", "provisioned"],
      ["device-0005", "denied"],
    ]);
  });

  it("shows nothing for an empty fleet", async () => {
    expect(await list({})).toEqual([]);
  });
});
