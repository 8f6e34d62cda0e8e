import { execFile } from "node:child_process";
import type { Logger } from "pino";
import { errorText } from "../error-text.ts";
import { RebootError } from "../errors.ts";
import type { Reboot } from "./steps/reboot-step.ts";

/**
 * The reboot command that means "restart the device process" (simulated devices): the device
 * stops cleanly and exits with `REBOOT_EXIT_CODE`, which the sandbox's supervisor restarts.
 */
export const EXIT_REBOOT_COMMAND = "exit";
/** EX_TEMPFAIL: "try again", i.e. start me again. */
export const REBOOT_EXIT_CODE = 75;

export interface RebootOptions {
  /** The configured reboot command (`reboot.command`), e.g. `["systemctl", "reboot"]`. */
  command: readonly string[];
  /** Stops the device and exits the process with `REBOOT_EXIT_CODE` (for `["exit"]`). */
  exitProcess: () => void;
  logger: Logger;
}

/** Runs the configured reboot command; rejects with a `RebootError` when it fails. */
export function createReboot(options: RebootOptions): Reboot {
  const { command, logger } = options;
  return async () => {
    logger.warn({ command }, "device.reboot");
    const [file, ...args] = command;
    if (file === undefined || (file === EXIT_REBOOT_COMMAND && args.length === 0)) {
      options.exitProcess();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      execFile(file, args, (error, _stdout, stderr) => {
        if (error === null) resolve();
        else
          reject(
            new RebootError(
              `${command.join(" ")} failed: ${stderr.trim() || errorText(error)}`,
              { command },
              { cause: error },
            ),
          );
      });
    });
  };
}
