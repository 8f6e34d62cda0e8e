import type { RotationRecord } from "@fleet/core";
import type { DeviceView } from "@fleet/core/contracts";
import type { Column } from "../output/print-rows.ts";

/** One device in `fleet rotation watch`: its certificate and where its latest rotation is. */
export interface RotationWatchRow {
  device: string;
  certificateId: string | null;
  notAfter: string | null;
  step: RotationRecord["step"] | null;
  lastEvent: string | null;
}

export const ROTATION_WATCH_COLUMNS: readonly Column<RotationWatchRow>[] = [
  { header: "device", value: (r) => r.device },
  { header: "certificate", value: (r) => (r.certificateId ? r.certificateId.slice(0, 12) : "-") },
  { header: "not after", value: (r) => r.notAfter ?? "-" },
  { header: "step", value: (r) => r.step ?? "-" },
  { header: "last event", value: (r) => r.lastEvent ?? "-", flexible: true },
];

/** Joins each device with its newest rotation (`rotations` newest first), sorted by serial. */
export function rotationWatchRows(
  devices: readonly DeviceView[],
  rotations: readonly RotationRecord[],
): RotationWatchRow[] {
  const latest = new Map<string, RotationRecord>();
  for (const rotation of rotations) {
    if (!latest.has(rotation.thingName)) latest.set(rotation.thingName, rotation);
  }
  return devices
    .filter((d) => d.thingName !== null)
    .map((d) => {
      const rotation = d.thingName === null ? undefined : latest.get(d.thingName);
      return {
        device: d.serial,
        certificateId: d.certificateId,
        notAfter: d.notAfter,
        step: rotation?.step ?? null,
        lastEvent: rotation ? lastEvent(rotation) : null,
      };
    })
    .sort((a, b) => a.device.localeCompare(b.device));
}

function lastEvent(rotation: RotationRecord): string {
  const event = `${rotation.step} at ${rotation.updatedAt}`;
  return rotation.reason ? `${event}: ${rotation.reason}` : event;
}

/** A row as one line, for output that is not a terminal. */
export function describeWatchRow(row: RotationWatchRow): string {
  return ROTATION_WATCH_COLUMNS.slice(1)
    .map((c) => `${c.header.replace(" ", "-")}=${c.value(row)}`)
    .join(" ");
}
