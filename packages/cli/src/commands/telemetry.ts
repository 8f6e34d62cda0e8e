import type { DeadLetter, TelemetrySample } from "@fleet/core";
import { LimitParameterSchema, MAX_QUERY_LIMIT } from "@fleet/core/contracts";
import type { Command } from "commander";
import { parseDeviceOption } from "../device-option.ts";
import { UsageError } from "../errors.ts";
import { printRows } from "../output/print-rows.ts";
import { parseSince } from "../since-option.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

interface QueryOptions extends TargetOptions {
  device: string;
  since: string;
  measure?: string;
  limit: string;
  json: boolean;
}

export function registerTelemetryCommand(program: Command): void {
  const telemetry = program.command("telemetry").description("read the fleet's telemetry");
  withTargetOptions(
    telemetry
      .command("query")
      .description("a device's flattened measures, newest first")
      .requiredOption("--device <serial>", "the device (serial or thing name)")
      .option("--since <when>", "how far back: 30s, 15m, 2h, 7d or an ISO 8601 time", "15m")
      .option("--measure <name>", "one measure, e.g. vehicle.battery.soc")
      .option("--limit <n>", "most samples to print", "1000")
      .option("--json", "print a JSON array of samples", false),
  ).action(async (options: QueryOptions) => {
    const thing = parseDeviceOption(options.device);
    const limit = parseLimit(options.limit);
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const samples = await fleet.queryTelemetry({
      thing,
      since: parseSince(options.since),
      ...(options.measure ? { measure: options.measure } : {}),
      limit,
    });
    printRows(samples, SAMPLE_COLUMNS, { json: options.json });
    if (samples.length >= limit) process.stderr.write(`${truncationNotice("samples", limit)}\n`);
  });

  withTargetOptions(
    telemetry
      .command("measures")
      .description("the measure names a device sent (what --measure takes), sorted")
      .requiredOption("--device <serial>", "the device (serial or thing name)")
      .option("--since <when>", "how far back: 30s, 15m, 2h, 7d or an ISO 8601 time", "1h")
      .option("--json", "print a JSON array of names", false),
  ).action(async (options: TargetOptions & { device: string; since: string; json: boolean }) => {
    const thing = parseDeviceOption(options.device);
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const measures = await fleet.listMeasures({ thing, since: parseSince(options.since) });
    printRows(measures, MEASURE_COLUMNS, { json: options.json });
  });

  withTargetOptions(
    telemetry
      .command("dead-letters")
      .description(
        "messages the ingest set aside, with why (newest first; a stage's queue is only peeked at)",
      )
      .option("--since <when>", "how far back: 30s, 15m, 2h, 7d or an ISO 8601 time", "1d")
      .option("--limit <n>", "most letters to print", "100")
      .option("--json", "print a JSON array of dead letters", false),
  ).action(async (options: TargetOptions & { since: string; limit: string; json: boolean }) => {
    const limit = parseLimit(options.limit);
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const letters = await fleet.listDeadLetters({ since: parseSince(options.since), limit });
    printRows(letters, DEAD_LETTER_COLUMNS, { json: options.json });
    if (letters.length >= limit) process.stderr.write(`${truncationNotice("letters", limit)}\n`);
  });
}

/**
 * Said on stderr when an answer filled its `--limit`: there may be more, and the flag that
 * shows them (stdout keeps only the rows, so `--json` stays parseable).
 */
export function truncationNotice(what: string, limit: number): string {
  const lift =
    limit < MAX_QUERY_LIMIT
      ? `raise --limit (up to ${MAX_QUERY_LIMIT}) or narrow --since`
      : "narrow --since";
  return `fleet: showing the newest ${limit} ${what}, the --limit; there may be more: ${lift}`;
}

/** `--limit`: the operator API's own rule for a query limit, so both targets take the same. */
function parseLimit(value: string): number {
  const parsed = LimitParameterSchema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`--limit ${value}: expected a whole number from 1 to ${MAX_QUERY_LIMIT}`);
  }
  return parsed.data;
}

const DEAD_LETTER_COLUMNS = [
  { header: "at", value: (l: DeadLetter) => l.at },
  { header: "thing", value: (l: DeadLetter) => l.thing ?? "-" },
  { header: "reason", value: (l: DeadLetter) => l.reason, flexible: true as const },
  { header: "payload", value: (l: DeadLetter) => l.payload, flexible: true as const },
];

const MEASURE_COLUMNS = [{ header: "measure", value: (name: string) => name }];

const SAMPLE_COLUMNS = [
  { header: "time", value: (s: TelemetrySample) => s.time.toISOString() },
  { header: "seq", value: (s: TelemetrySample) => String(s.seq) },
  { header: "measure", value: (s: TelemetrySample) => s.measure },
  { header: "value", value: (s: TelemetrySample) => String(s.value) },
];
