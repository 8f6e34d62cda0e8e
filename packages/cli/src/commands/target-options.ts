import { resolve } from "node:path";
import type { Command } from "commander";
import type { Target } from "../targets/target.ts";

export interface TargetOptions {
  stage?: string;
  stateDir: string;
}

export const DEFAULT_STATE_DIR = ".sandbox";

/** Every operator command targets either a deployed stage (`--stage`) or a local sandbox. */
export function withTargetOptions(command: Command): Command {
  return command
    .option("--stage <name>", "target the AWS deployment of this SST stage")
    .option(
      "--state-dir <dir>",
      "target the sandbox whose state is in this directory",
      DEFAULT_STATE_DIR,
    );
}

export function resolveTarget(options: TargetOptions): Target {
  if (options.stage !== undefined) return { kind: "stage", stage: options.stage };
  return { kind: "sandbox", stateDir: resolve(options.stateDir) };
}
