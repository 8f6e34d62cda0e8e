import { ThingNameSchema } from "@fleet/core/contracts";
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
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

  // Group membership: the device gets the releases whose continuous fleet job targets the group.
  for (const [name, verb, description] of [
    ["add-to-group", "add", "put the device in a thing group (e.g. the canary group)"],
    ["remove-from-group", "remove", "take the device out of a thing group"],
  ] as const) {
    devices
      .command(name)
      .argument("<device>", "the device's thing name (its serial)")
      .argument("<group>", "the thing group")
      .description(`${description}; an unknown group or device is an error naming it`)
      .action(async (thing: string, group: string) => {
        const options = devices.opts<TargetOptions & { json: boolean }>();
        const fleet = await fleetOperationsFor(resolveTarget(options));
        const request = { group: thingName("<group>", group), thing: thingName("<device>", thing) };
        const done =
          verb === "add"
            ? await fleet.addThingToGroup(request)
            : await fleet.removeThingFromGroup(request);
        if (options.json) process.stdout.write(`${JSON.stringify(done)}\n`);
        else {
          const how = verb === "add" ? "added to" : "removed from";
          process.stdout.write(`${done.thing}: ${how} ${done.group}\n`);
        }
      });
  }
}

/** A thing or thing group name as AWS IoT takes it, or a usage error naming the argument. */
function thingName(argument: string, value: string): string {
  const parsed = ThingNameSchema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`${argument} ${value}: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}
