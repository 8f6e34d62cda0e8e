import {
  type CommandOutcome,
  LED_COMMAND,
  type LedCommandParams,
  LedCommandParamsSchema,
  OperatorApiError,
} from "@fleet/core/contracts";
import type { Command } from "commander";
import * as z from "zod";
import { parseDeviceOption } from "../device-option.ts";
import { CliError, UsageError } from "../errors.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

interface LedOptions extends TargetOptions {
  device: string;
  on?: boolean;
  off?: boolean;
  blink?: boolean;
  steady?: boolean;
  hz?: string;
  json: boolean;
}

export function registerLedCommand(program: Command): void {
  withTargetOptions(
    program
      .command("led")
      .description("switch a device's LED app: on/off, blinking or steady, blink frequency")
      .requiredOption("--device <serial>", "the device (serial or thing name)")
      .option("--on", "switch the LED on")
      .option("--off", "switch the LED off")
      .option("--blink", "blink the LED")
      .option("--steady", "keep the LED steady (no blinking)")
      .option("--hz <n>", "blink frequency in Hz (up to 50)")
      .option("--json", "print the device's reply as JSON", false),
  ).action(async (options: LedOptions) => {
    const thingName = parseDeviceOption(options.device);
    const params = ledParams(options);
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const outcome = ledOutcome(
      await fleet.sendCommand({ thingName, command: LED_COMMAND, params }).catch((error) => {
        // The sandbox waits for the device's reply and answers 504 when none came.
        if (error instanceof OperatorApiError && error.status === 504) {
          throw new CliError(`${thingName} did not answer the led command: ${error.reason}`);
        }
        throw error;
      }),
    );
    printOutcome(thingName, outcome, options.json);
    if (outcome.kind === "rejected") {
      throw new CliError(
        `${thingName} rejected the led command: ${outcome.errorCode}: ${outcome.errorMessage}`,
      );
    }
  });
}

/** The flags as `led` command params, validated with the contract's schema. */
export function ledParams(options: {
  on?: boolean;
  off?: boolean;
  blink?: boolean;
  steady?: boolean;
  hz?: string;
}): LedCommandParams {
  if (options.on && options.off) throw new UsageError("give --on or --off, not both");
  if (options.blink && options.steady) throw new UsageError("give --blink or --steady, not both");
  const candidate: Record<string, unknown> = {};
  if (options.on || options.off) candidate.on = options.on === true;
  if (options.blink || options.steady) candidate.blinking = options.blink === true;
  if (options.hz !== undefined) {
    candidate.blinkHz = options.hz.trim() === "" ? Number.NaN : Number(options.hz);
  }
  if (Object.keys(candidate).length === 0) {
    throw new UsageError("give at least one of --on, --off, --blink, --steady, --hz <n>");
  }
  const parsed = LedCommandParamsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0] === "blinkHz" ? `--hz ${options.hz}` : "led params";
    throw new UsageError(`${flag}: ${issue?.message ?? z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * - `accepted`: the device applied the command; `state` is the LED state it replied with;
 * - `rejected`: the device refused it, with its reason;
 * - `published`: sent to a stage's broker; the device's reply is not awaited (its LED state
 *   shows in its telemetry).
 */
type LedOutcome =
  | { kind: "accepted"; requestId: string; state: Record<string, unknown> }
  | { kind: "rejected"; requestId: string; errorCode: string; errorMessage: string }
  | { kind: "published"; requestId: string; topic: string };

function ledOutcome(outcome: CommandOutcome): LedOutcome {
  switch (outcome.status) {
    case "accepted":
      return {
        kind: "accepted",
        requestId: outcome.reply.requestId,
        state: outcome.reply.result ?? {},
      };
    case "rejected":
      return { kind: "rejected", ...outcome.reply };
    case "published":
      return { kind: "published", requestId: outcome.requestId, topic: outcome.topic };
  }
}

function printOutcome(thingName: string, outcome: LedOutcome, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ thingName, ...outcome }, null, 2)}\n`);
    return;
  }
  if (outcome.kind === "accepted") {
    const state = Object.entries(outcome.state)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(" ");
    process.stdout.write(`${thingName} LED: ${state || "(no state in the reply)"}\n`);
  } else if (outcome.kind === "published") {
    process.stdout.write(
      `published to ${outcome.topic} (request ${outcome.requestId}); the device's LED state shows in its telemetry: fleet telemetry query --device ${thingName} --measure led.on\n`,
    );
  }
}
