import type { DeviceView } from "@fleet/core/contracts";
import logUpdate from "log-update";
import { DEVICE_COLUMNS } from "../commands/devices.ts";
import { renderTable } from "../output/print-rows.ts";

export interface LiveSummaryOptions {
  header: string;
  listDevices: () => Promise<DeviceView[]>;
  /** Refresh period. Default 1000 ms. */
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

/**
 * Shows the fleet while the sandbox runs: on a terminal, a table redrawn in place; otherwise
 * (CI, a pipe) one line per change, so logs stay readable.
 */
export function startLiveSummary(options: LiveSummaryOptions): { stop(): Promise<void> } {
  const out = options.out ?? process.stdout;
  const interactive = out.isTTY === true;
  const draw = interactive ? logUpdate : null;
  let last = new Map<string, string>();
  let busy: Promise<void> = Promise.resolve();

  const refresh = async () => {
    const devices = (await options.listDevices()).sort((a, b) => a.serial.localeCompare(b.serial));
    if (draw) {
      const connected = devices.filter((d) => d.connected).length;
      draw(
        `${options.header}\n${connected}/${devices.length} devices connected — Ctrl-C to stop\n${renderTable(devices, DEVICE_COLUMNS)}`,
      );
      return;
    }
    const now = new Map(devices.map((d) => [d.serial, describe(d)]));
    for (const [serial, line] of now) {
      if (last.get(serial) !== line) out.write(`${new Date().toISOString()} ${serial} ${line}\n`);
    }
    last = now;
  };

  if (!interactive) out.write(`${options.header}\n`);
  const tick = () => {
    busy = busy.then(refresh).catch((error: unknown) => {
      out.write(`summary unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      draw?.done();
    },
  };
}

function describe(device: DeviceView): string {
  const parts = [device.state, device.connected ? "connected" : "disconnected"];
  if (device.reason) parts.push(`(${device.reason})`);
  return parts.join(" ");
}
