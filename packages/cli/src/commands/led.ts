import {
  type LedCommandParams,
  LedCommandParamsSchema,
  SerialSchema,
  thingNameFromSerial,
} from "@fleet/core/contracts";
import type { Command } from "commander";
import * as z from "zod";
import { CliError, UsageError } from "../errors.ts";
import type { LedOutcome } from "../targets/led-commander.ts";
import { ledCommanderFor } from "../targets/led-commander-for.ts";
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
    const serial = SerialSchema.safeParse(options.device);
    if (!serial.success) {
      throw new UsageError(
        `--device ${options.device}: not a device serial (${serial.error.issues[0]?.message})`,
      );
    }
    const params = ledParams(options);
    const thingName = thingNameFromSerial(serial.data);
    const commander = await ledCommanderFor(resolveTarget(options));
    const outcome = await commander.sendLed(thingName, params);
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
