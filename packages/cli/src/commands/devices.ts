import type { DeviceView } from "@fleet/core/contracts";
import type { Command } from "commander";
import { type Column, printRows } from "../output/print-rows.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

export const DEVICE_COLUMNS: readonly Column<DeviceView>[] = [
  { header: "serial", value: (d) => d.serial },
  { header: "thing", value: (d) => d.thingName ?? "-" },
  { header: "state", value: (d) => d.state },
  { header: "connected", value: (d) => (d.connected ? "yes" : "no") },
  { header: "certificate", value: (d) => (d.certificateId ? d.certificateId.slice(0, 12) : "-") },
  { header: "not after", value: (d) => d.notAfter ?? "-" },
  { header: "apps", value: (d) => formatApps(d.apps) },
  { header: "reason", value: (d) => d.reason ?? "" },
];

/** `button@1.0.0, led@1.0.0` (sorted by app name), or `-` before the device reported any. */
export function formatApps(apps: Readonly<Record<string, string>>): string {
  const entries = Object.entries(apps).sort(([a], [b]) => a.localeCompare(b));
  return entries.length > 0
    ? entries.map(([name, version]) => `${name}@${version}`).join(", ")
    : "-";
}

export function registerDevicesCommand(program: Command): void {
  const devices = withTargetOptions(
    program
      .command("devices")
      .description("list the fleet's devices: provisioning state, connection, certificate, apps")
      .option("--json", "print a JSON array instead of a table", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const devices = await fleet.listDevices();
    devices.sort((a, b) => a.serial.localeCompare(b.serial));
    printRows(devices, DEVICE_COLUMNS, { json: options.json });
  });
  // Its target and --json are the parent's options: commander gives options to the parent
  // wherever they stand, so `fleet devices reset X --stage prod` reaches `devices.opts()`.
  devices
    .command("reset")
    .argument("<serial>", "the device's serial")
    .description(
      "revoke the device's certificates so that it may provision again by claim (a replaced board, a wiped disk); takes --stage, --state-dir, --json",
    )
    .action(async (serial: string) => {
      const options = devices.opts<TargetOptions & { json: boolean }>();
      const fleet = await fleetOperationsFor(resolveTarget(options));
      const reset = await fleet.resetDevice(serial);
      if (options.json) process.stdout.write(`${JSON.stringify(reset)}\n`);
      else {
        const revoked = reset.revoked.length === 0 ? "none" : reset.revoked.join(", ");
        process.stdout.write(
          `${reset.serial}: certificates revoked: ${revoked}; it may provision again by claim\n`,
        );
      }
    });
}
