import type { RotationRecord } from "@fleet/core";
import type { DeviceView } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { describeWatchRow, rotationWatchRows } from "../../src/commands/rotation-watch-rows.ts";

const device = (serial: string, overrides: Partial<DeviceView> = {}): DeviceView => ({
  serial,
  thingName: serial,
  state: "provisioned",
  connected: true,
  certificateId: `${serial}cert`.padEnd(64, "0"),
  notAfter: "2026-12-01T00:00:00.000Z",
  reason: null,
  apps: {},
  ...overrides,
});

const rotation = (thingName: string, overrides: Partial<RotationRecord>): RotationRecord => ({
  rotationId: "r",
  thingName,
  oldCertificateId: "o".repeat(64),
  newCertificateId: null,
  jobId: null,
  step: "requested",
  reason: null,
  startedAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
  deadline: "2026-11-21T10:05:00.000Z",
  ...overrides,
});

describe("rotation watch rows", () => {
  it("shows each device with its newest rotation and devices never rotated with none", () => {
    const rows = rotationWatchRows(
      [device("10000000bbbb"), device("10000000aaaa"), device("10000000cccc", { thingName: null })],
      [
        rotation("10000000aaaa", { step: "committed", updatedAt: "2026-11-21T10:02:00.000Z" }),
        rotation("10000000aaaa", { step: "timed-out", reason: "no commit before the deadline" }),
      ],
    );
    expect(rows.map((r) => [r.device, r.step, r.lastEvent])).toEqual([
      ["10000000aaaa", "committed", "committed at 2026-11-21T10:02:00.000Z"],
      ["10000000bbbb", null, null],
    ]);
  });

  it("puts an abandoned rotation's reason in the last event", () => {
    const [row] = rotationWatchRows(
      [device("10000000aaaa")],
      [rotation("10000000aaaa", { step: "timed-out", reason: "no commit before the deadline" })],
    );
    expect(row?.lastEvent).toBe(
      "timed-out at 2026-11-21T10:00:00.000Z: no commit before the deadline",
    );
    expect(describeWatchRow(row as NonNullable<typeof row>)).toBe(
      "certificate=10000000aaaa not-after=2026-12-01T00:00:00.000Z step=timed-out last-event=timed-out at 2026-11-21T10:00:00.000Z: no commit before the deadline",
    );
  });
});
