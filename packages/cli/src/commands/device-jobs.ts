import type { DeviceJobStep } from "@fleet/core";
import {
  type DeviceSettings,
  DeviceSettingsSchema,
  OsUpdateStepSchema,
} from "@fleet/core/contracts";
import type { Command } from "commander";
import { parseDurationOption } from "../duration-option.ts";
import { UsageError } from "../errors.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import {
  printOrWait,
  type RolloutOptions,
  rolloutRequest,
  withRolloutOptions,
} from "./rollout-options.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

type DeviceJobOptions = TargetOptions & RolloutOptions;

interface OsUpdateOptions extends DeviceJobOptions {
  osVersion: string;
  command: string[];
}

interface ConfigureOptions extends DeviceJobOptions {
  telemetryInterval?: string;
  led?: string;
  blink?: string;
  blinkHz?: string;
}

/**
 * `fleet os-update`, `fleet reboot`, `fleet configure`: the device job documents besides app
 * updates, each rolled out as a release (canary group first, abort criteria, --wait, cancel).
 */
export function registerDeviceJobCommands(program: Command): void {
  withTargetOptions(
    withRolloutOptions(
      program
        .command("os-update")
        .description(
          "run OS update commands once per version on each device, then reboot it; devices that join later get it too",
        )
        .requiredOption("--os-version <version>", "the OS version the commands install")
        .requiredOption("--command <commands...>", "shell commands, run in order with /bin/sh -c"),
      "OS update",
    ),
  ).action(async (options: OsUpdateOptions) => {
    const step = OsUpdateStepSchema.safeParse({
      operation: "os-update",
      version: options.osVersion,
      commands: options.command,
    });
    if (!step.success) {
      const issue = step.error.issues[0];
      throw new UsageError(`os-update: ${issue?.path.join(".")}: ${issue?.message}`);
    }
    await rollOut(step.data, options);
  });

  withTargetOptions(
    withRolloutOptions(
      program
        .command("reboot")
        .description(
          "reboot devices, canary group first (a snapshot: devices that join later are not rebooted)",
        ),
      "reboot",
    ),
  ).action((options: DeviceJobOptions) => rollOut({ operation: "reboot" }, options));

  withTargetOptions(
    withRolloutOptions(
      program
        .command("configure")
        .description(
          "change device settings; settings not given keep their value; devices that join later get them too",
        )
        .option("--telemetry-interval <duration>", "telemetry publish interval (1s to 1h)")
        .option("--led <on|off>", "the LED on or off")
        .option("--blink <on|off>", "the LED blinking or steady")
        .option("--blink-hz <hz>", "blink frequency (up to 50)"),
      "configuration",
    ),
  ).action((options: ConfigureOptions) =>
    rollOut({ operation: "configure", settings: deviceSettings(options) }, options),
  );
}

async function rollOut(step: DeviceJobStep, options: DeviceJobOptions): Promise<void> {
  const request = { step, ...rolloutRequest(options) };
  const target = resolveTarget(options);
  const fleet = await fleetOperationsFor(target);
  const release = await fleet.createDeviceJobRelease(request);
  await printOrWait(fleet, target, release, options);
}

function deviceSettings(options: ConfigureOptions): DeviceSettings {
  const led = {
    ...(options.led === undefined ? {} : { on: onOff("--led", options.led) }),
    ...(options.blink === undefined ? {} : { blinking: onOff("--blink", options.blink) }),
    ...(options.blinkHz === undefined ? {} : { blinkHz: Number(options.blinkHz) }),
  };
  const settings = {
    ...(options.telemetryInterval === undefined
      ? {}
      : {
          telemetryIntervalMs: parseDurationOption(
            "--telemetry-interval",
            options.telemetryInterval,
          ),
        }),
    ...(Object.keys(led).length === 0 ? {} : { led }),
  };
  if (Object.keys(settings).length === 0) {
    throw new UsageError(
      "configure: give at least one of --telemetry-interval, --led, --blink, --blink-hz",
    );
  }
  const parsed = DeviceSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`configure: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

function onOff(flag: string, value: string): boolean {
  if (value === "on" || value === "off") return value === "on";
  throw new UsageError(`${flag} ${value}: expected on or off`);
}
