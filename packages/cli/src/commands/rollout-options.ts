import {
  DEFAULT_ABORT_FAILURE_PCT,
  DEFAULT_CANARY_DEADLINE_MINUTES,
  type FleetOperations,
} from "@fleet/core";
import { type ReleaseRecord, ThingGroupNameSchema } from "@fleet/core/contracts";
import type { Command } from "commander";
import { parseDurationOption } from "../duration-option.ts";
import { UsageError } from "../errors.ts";
import { printRecord } from "../output/print-record.ts";
import type { Column } from "../output/print-rows.ts";
import { parsePercentOption } from "../percent-option.ts";
import type { Target } from "../targets/target.ts";
import { pollIntervalMs, waitForRelease } from "./job-progress.ts";

/** The flags of every command that rolls something out (`ota release`, `os-update`, ...). */
export interface RolloutOptions {
  target: string[];
  canary?: string;
  abortFailurePct: string;
  canaryDeadline?: string;
  wait: boolean;
  json: boolean;
}

export const RELEASE_FIELDS: readonly Column<ReleaseRecord>[] = [
  { header: "release", value: (r) => r.releaseId },
  { header: "app", value: (r) => r.app },
  { header: "version", value: (r) => r.version },
  { header: "sha256", value: (r) => r.sha256 },
  { header: "phase", value: (r) => r.phase },
  { header: "canary job", value: (r) => r.canaryJobId ?? "-" },
  { header: "fleet job", value: (r) => r.fleetJobId ?? "-" },
];

/** Adds the rollout flags: targets, canary group, abort threshold, canary deadline, --wait. */
export function withRolloutOptions(command: Command, what: string): Command {
  return command
    .requiredOption("--target <names...>", `thing groups or things that get the ${what}`)
    .option("--canary <group>", "thing group that gets it first; the targets only if it succeeds")
    .option(
      "--abort-failure-pct <p>",
      "cancel a job once this percent of devices failed",
      String(DEFAULT_ABORT_FAILURE_PCT),
    )
    .option(
      "--canary-deadline <duration>",
      `cancel canary executions not started by then (offline devices) and abort (default ${DEFAULT_CANARY_DEADLINE_MINUTES / 60}h)`,
    )
    .option(
      "--wait",
      "follow the rollout (canary, then fleet: execution counts) until the release ends; exit 1 unless it completed",
      false,
    )
    .option("--json", "print the release as JSON (with --wait, progress goes to stderr)", false);
}

/** The rollout part of a release request, checked here before the target is asked anything. */
export function rolloutRequest(options: RolloutOptions) {
  return {
    targets: options.target.map((name) => groupOrThingName("--target", name)),
    ...(options.canary === undefined
      ? {}
      : { canaryGroup: groupOrThingName("--canary", options.canary) }),
    abortFailurePct: parsePercentOption("--abort-failure-pct", options.abortFailurePct),
    ...(options.canaryDeadline === undefined
      ? {}
      : { canaryDeadlineMinutes: parseCanaryDeadline(options.canaryDeadline) }),
  };
}

/** Prints the release as created, or with --wait follows it and prints it as it ended. */
export async function printOrWait(
  fleet: FleetOperations,
  target: Target,
  release: ReleaseRecord,
  options: Pick<RolloutOptions, "wait" | "json">,
): Promise<void> {
  const shown = options.wait
    ? await waitForRelease(fleet, release.releaseId, {
        intervalMs: pollIntervalMs(target),
        stream: options.json ? process.stderr : process.stdout,
      })
    : release;
  printRecord(shown, RELEASE_FIELDS, { json: options.json });
}

function groupOrThingName(flag: string, name: string): string {
  const parsed = ThingGroupNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new UsageError(
      `${flag} ${name}: not a thing group or thing name (${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

/** Whole minutes, as the job's end time is set to the minute; the range is core's to check. */
function parseCanaryDeadline(value: string): number {
  return Math.ceil(parseDurationOption("--canary-deadline", value) / 60_000);
}
