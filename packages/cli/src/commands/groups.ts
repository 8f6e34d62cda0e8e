import type { ThingGroupSummary } from "@fleet/core/contracts";
import type { Command } from "commander";
import { type Column, printRows } from "../output/print-rows.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

const GROUP_COLUMNS: readonly Column<ThingGroupSummary>[] = [
  { header: "group", value: (g) => g.name },
  { header: "devices", value: (g) => String(g.thingCount) },
];

/** `fleet groups`: the thing groups releases target (the fleet, the canary group, ...). */
export function registerGroupsCommand(program: Command): void {
  withTargetOptions(
    program
      .command("groups")
      .description(
        "list thing groups with their device counts (add a device: fleet devices add-to-group)",
      )
      .option("--json", "print a JSON array instead of a table", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    printRows(await fleet.listThingGroups(), GROUP_COLUMNS, { json: options.json });
  });
}
