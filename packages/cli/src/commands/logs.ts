import { setTimeout as sleep } from "node:timers/promises";
import type { FleetOperations } from "@fleet/core";
import {
  DEFAULT_DEVICE_LOG_LIMIT,
  DEVICE_LOG_LIMITS,
  LOGS_COMMAND,
  OperatorApiError,
} from "@fleet/core/contracts";
import type { Command } from "commander";
import { parseDeviceOption } from "../device-option.ts";
import { parseDurationOption } from "../duration-option.ts";
import { UsageError } from "../errors.ts";
import { parseSince } from "../since-option.ts";
import { stopSignal } from "../stop-signal.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

interface LogsOptions extends TargetOptions {
  device: string;
  since: string;
  follow: boolean;
  for: string;
  json: boolean;
}

/** How often `--follow` reads the store again. */
const FOLLOW_POLL_MS = 1_000;

type LogLine = Awaited<ReturnType<FleetOperations["readDeviceLogs"]>>[number];

export function registerLogsCommand(program: Command): void {
  withTargetOptions(
    program
      .command("logs")
      .description(
        "a device's own log lines: asks it to ship them (redacted, rate-limited) for a while, then prints what it shipped",
      )
      .requiredOption("--device <serial>", "the device (serial or thing name)")
      .option("--since <time>", "lines written since (30s, 15m, 2h, 7d or ISO 8601)", "10m")
      .option("-f, --follow", "keep printing new lines until Ctrl-C", false)
      .option(
        "--for <duration>",
        `how long the device ships its lines (renewed while --follow runs; at most ${DEVICE_LOG_LIMITS.maxWindowSeconds / 60}m)`,
        `${DEVICE_LOG_LIMITS.defaultWindowSeconds / 60}m`,
      )
      .option("--json", "one JSON object per line: { id, time, message }", false),
  ).action(async (options: LogsOptions) => {
    const thingName = parseDeviceOption(options.device);
    const forSeconds = Math.ceil(parseDurationOption("--for", options.for) / 1_000);
    if (forSeconds > DEVICE_LOG_LIMITS.maxWindowSeconds) {
      throw new UsageError(
        `--for ${options.for}: a device ships for at most ${DEVICE_LOG_LIMITS.maxWindowSeconds / 60}m per request`,
      );
    }
    const since = parseSince(options.since);
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const print = (line: LogLine) => process.stdout.write(formatLine(line, options.json));

    await requestShipping(fleet, thingName, forSeconds);
    const lines = await fleet.readDeviceLogs({ thingName, since, limit: DEFAULT_DEVICE_LOG_LIMIT });
    lines.forEach(print);
    if (!options.follow) return;
    await follow(fleet, { thingName, forSeconds, from: lines, since, print });
  });
}

/**
 * Asks the device to ship its lines for `forSeconds`. A device that does not answer (offline)
 * or refuses is reported on stderr, not fatal: what it shipped earlier is still worth reading.
 */
async function requestShipping(
  fleet: FleetOperations,
  thingName: string,
  forSeconds: number,
): Promise<void> {
  try {
    const outcome = await fleet.sendCommand({
      thingName,
      command: LOGS_COMMAND,
      params: { forSeconds },
    });
    if (outcome.status === "rejected") {
      const { errorCode, errorMessage } = outcome.reply;
      process.stderr.write(
        `${thingName} refused to ship logs (${errorCode}: ${errorMessage}); showing what it shipped before\n`,
      );
    }
  } catch (error) {
    // The sandbox waits for the device's reply and answers 504 when none came.
    if (!(error instanceof OperatorApiError && error.status === 504)) throw error;
    process.stderr.write(
      `${thingName} did not answer the logs request (offline?); showing what it shipped before\n`,
    );
  }
}

/**
 * How far before the newest printed line each `--follow` read starts. A line's time is the
 * device's clock and the store filters on its own (ingestion) time: the overlap keeps a device
 * clock a little ahead of the store's from hiding lines; ids already printed are skipped.
 */
const FOLLOW_OVERLAP_MS = 60_000;

/**
 * Reads the store every `FOLLOW_POLL_MS` from `FOLLOW_OVERLAP_MS` before the newest printed
 * line, prints the lines not printed yet, and renews the device's shipping halfway through each
 * window; until Ctrl-C.
 */
async function follow(
  fleet: FleetOperations,
  options: {
    thingName: string;
    forSeconds: number;
    from: LogLine[];
    since: Date;
    print: (line: LogLine) => void;
  },
): Promise<void> {
  const { thingName, forSeconds, print } = options;
  let stopped = false;
  void stopSignal().then(() => {
    stopped = true;
  });
  let newest = options.from.at(-1)?.time ?? options.since;
  /** Printed ids by line time: only those inside the overlap can come back. */
  let printed = new Map(options.from.map((line) => [line.id, line.time]));
  let renewAt = Date.now() + (forSeconds * 1_000) / 2;
  while (!stopped) {
    await sleep(FOLLOW_POLL_MS);
    if (Date.now() >= renewAt) {
      await requestShipping(fleet, thingName, forSeconds);
      renewAt = Date.now() + (forSeconds * 1_000) / 2;
    }
    const from = new Date(Math.max(options.since.getTime(), newest.getTime() - FOLLOW_OVERLAP_MS));
    const lines = await fleet.readDeviceLogs({
      thingName,
      since: from,
      limit: DEFAULT_DEVICE_LOG_LIMIT,
    });
    for (const line of lines) {
      if (printed.has(line.id)) continue;
      print(line);
      printed.set(line.id, line.time);
      if (line.time > newest) newest = line.time;
    }
    printed = new Map([...printed].filter(([, time]) => time >= from));
  }
}

/** `time message`, or with `--json` the line as one JSON object. */
function formatLine(line: LogLine, json: boolean): string {
  if (json) {
    return `${JSON.stringify({ id: line.id, time: line.time.toISOString(), message: line.message })}\n`;
  }
  return `${line.time.toISOString()} ${line.message}\n`;
}
