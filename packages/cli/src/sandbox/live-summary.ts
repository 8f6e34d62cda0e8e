import type { DeviceView } from "@fleet/core/contracts";
import { DEVICE_COLUMNS } from "../output/device-columns.ts";
import { startLiveTable } from "../output/live-table.ts";
import { renderTable } from "../output/print-rows.ts";

export interface LiveSummaryOptions {
  header: string;
  listDevices: () => Promise<DeviceView[]>;
  /** Refresh period. Default 1000 ms. */
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

/** Shows the fleet while the sandbox runs (see startLiveTable for terminal vs pipe output). */
export function startLiveSummary(options: LiveSummaryOptions): { stop(): Promise<void> } {
  return startLiveTable({
    header: options.header,
    load: async () =>
      (await options.listDevices()).sort((a, b) => a.serial.localeCompare(b.serial)),
    render: (devices) => {
      const connected = devices.filter((d) => d.connected).length;
      return `${options.header}\n${connected}/${devices.length} devices connected — Ctrl-C to stop\n${renderTable(devices, DEVICE_COLUMNS)}`;
    },
    key: (device) => device.serial,
    describe,
    intervalMs: options.intervalMs,
    out: options.out,
  });
}

function describe(device: DeviceView): string {
  const parts = [device.state, device.connected ? "connected" : "disconnected"];
  if (device.reason) parts.push(`(${device.reason})`);
  return parts.join(" ");
}
