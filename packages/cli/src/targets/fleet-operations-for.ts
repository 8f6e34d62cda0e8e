import type { FleetOperations } from "@fleet/core";
import { connectSandbox } from "./sandbox-client.ts";
import { type StageSettings, stageOperations } from "./stage-operations.ts";
import type { Target } from "./target.ts";

/**
 * The operations of the target the command names: the running sandbox's API, or a deployed
 * stage's AWS account (`settings` apply to a stage only).
 */
export async function fleetOperationsFor(
  target: Target,
  settings: StageSettings = {},
): Promise<FleetOperations> {
  if (target.kind === "sandbox") return connectSandbox(target.stateDir);
  return stageOperations(target.stage, settings);
}
