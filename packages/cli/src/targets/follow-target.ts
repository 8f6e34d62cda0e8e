import type { FleetOperations } from "@fleet/core";
import { fleetOperationsFor } from "./fleet-operations-for.ts";
import type { Target } from "./target.ts";

/**
 * The target's operations for a command that runs until stopped (`rotation watch`), fetched
 * before each use. A sandbox restarted meanwhile listens on a new API port with a new token:
 * each call re-reads `sandbox.json`, so the command follows it (and, while none runs, fails
 * that round with "no sandbox is running"). A stage's operations are made once.
 */
export function followTarget(target: Target): () => Promise<FleetOperations> {
  if (target.kind === "sandbox") return () => fleetOperationsFor(target);
  const operations = fleetOperationsFor(target);
  return () => operations;
}
