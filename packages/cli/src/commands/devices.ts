import type { Command } from "commander";
import { DEVICE_COLUMNS } from "../output/device-columns.ts";
import { printRows } from "../output/print-rows.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

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
