import { Command } from "commander";
import { registerAllowListCommand } from "./commands/allowlist.ts";
import { registerDeviceJobCommands } from "./commands/device-jobs.ts";
import { registerDevicesCommand } from "./commands/devices.ts";
import { registerGroupsCommand } from "./commands/groups.ts";
import { registerImageCommand } from "./commands/image.ts";
import { registerJobsCommand } from "./commands/jobs.ts";
import { registerLedCommand } from "./commands/led.ts";
import { registerOtaCommand } from "./commands/ota.ts";
import { registerRotationCommand } from "./commands/rotation.ts";
import { registerSandboxCommand } from "./commands/sandbox.ts";
import { registerTelemetryCommand } from "./commands/telemetry.ts";

export function buildProgram(): Command {
  const program = new Command("fleet")
    .description("Operate the fleet: a local sandbox, or a deployed stage with --stage")
    .showHelpAfterError()
    .exitOverride();
  registerSandboxCommand(program);
  registerDevicesCommand(program);
  registerAllowListCommand(program);
  registerTelemetryCommand(program);
  registerRotationCommand(program);
  registerOtaCommand(program);
  registerJobsCommand(program);
  registerLedCommand(program);
  registerImageCommand(program);
  // Issue 18, release control: thing groups, device jobs rolled out as releases.
  registerGroupsCommand(program);
  registerDeviceJobCommands(program);
  return program;
}
