import { Command, CommanderError } from "commander";
import { cliVersion } from "./cli-version.ts";
import { registerAllowListCommand } from "./commands/allowlist.ts";
import { registerDeviceJobCommands } from "./commands/device-jobs.ts";
import { registerDevicesCommand } from "./commands/devices.ts";
import { registerGroupsCommand } from "./commands/groups.ts";
import { registerImageCommand } from "./commands/image.ts";
import { registerJobsCommand } from "./commands/jobs.ts";
import { registerLedCommand } from "./commands/led.ts";
import { registerLogsCommand } from "./commands/logs.ts";
import { registerOtaCommand } from "./commands/ota.ts";
import { registerRotationCommand } from "./commands/rotation.ts";
import { registerSandboxCommand } from "./commands/sandbox.ts";
import { registerTelemetryCommand } from "./commands/telemetry.ts";
import { setWideTables } from "./output/table-width.ts";

export function buildProgram(): Command {
  const program = new Command("fleet")
    .description("Operate the fleet: a local sandbox, or a deployed stage with --stage")
    .showHelpAfterError()
    .exitOverride();
  // --version: the package version and the git commit, looked up only when asked.
  program
    .option("-V, --version", "print the CLI's version and git commit")
    .on("option:version", () => {
      process.stdout.write(`fleet ${cliVersion()}\n`);
      throw new CommanderError(0, "commander.version", "");
    });
  // --wide: a display preference of every command that prints a table (given before or after it).
  program
    .option("--wide", "tables: every column, ids and versions in full, nothing cut", false)
    .configureHelp({ showGlobalOptions: true })
    .hook("preAction", () => setWideTables(program.opts<{ wide: boolean }>().wide));
  registerSandboxCommand(program);
  registerDevicesCommand(program);
  registerAllowListCommand(program);
  registerTelemetryCommand(program);
  registerRotationCommand(program);
  registerOtaCommand(program);
  registerJobsCommand(program);
  registerLedCommand(program);
  registerImageCommand(program);
  // Device logs.
  registerLogsCommand(program);
  // Issue 18, release control: thing groups, device jobs rolled out as releases.
  registerGroupsCommand(program);
  registerDeviceJobCommands(program);
  return program;
}
