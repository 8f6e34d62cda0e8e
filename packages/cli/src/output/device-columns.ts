import type { DeviceView } from "@fleet/core/contracts";
import type { Column } from "./print-rows.ts";

/** The columns of `fleet devices` and of the sandbox's live summary. */
export const DEVICE_COLUMNS: readonly Column<DeviceView>[] = [
  { header: "serial", value: (d) => d.serial },
  { header: "thing", value: (d) => d.thingName ?? "-" },
  { header: "state", value: (d) => d.state },
  { header: "connected", value: (d) => (d.connected ? "yes" : "no") },
  {
    header: "certificate",
    value: (d) => (d.certificateId ? d.certificateId.slice(0, 12) : "-"),
    wide: true,
  },
  { header: "not after", value: (d) => d.notAfter ?? "-" },
  { header: "apps", value: (d) => formatApps(d.apps), flexible: true },
  { header: "reason", value: (d) => d.reason ?? "", flexible: true },
];

/** `button@1.0.0, led@1.0.0` (sorted by app name), or `-` before the device reported any. */
export function formatApps(apps: Readonly<Record<string, string>>): string {
  const entries = Object.entries(apps).sort(([a], [b]) => a.localeCompare(b));
  return entries.length > 0
    ? entries.map(([name, version]) => `${name}@${version}`).join(", ")
    : "-";
}
