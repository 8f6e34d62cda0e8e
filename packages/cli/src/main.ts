import { CommanderError } from "commander";
import { exitCodeFor } from "./errors.ts";
import { buildProgram } from "./program.ts";

/** Runs the CLI; every failure ends as one line on stderr and a non-zero exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fleet: ${message.split("\n")[0]}\n`);
    return exitCodeFor(error);
  }
}
