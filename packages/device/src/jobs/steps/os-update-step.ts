import { spawn } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OsUpdateStep } from "@fleet/core/contracts";
import { writePrivateFile } from "../../private-file.ts";
import type { StepHandler } from "../step-handler.ts";
import { REBOOTING_PHASE, type Reboot, rebootNow } from "./reboot-step.ts";

/** Characters of a failed command's output kept for the job's reason. */
const OUTPUT_TAIL_CHARS = 600;
const RUNNING_PHASE = "running";

export interface OsUpdateStepOptions {
  /** Markers live in `<stateDir>/os/`: `<version>.done` per applied version, `version` the last. */
  stateDir: string;
  reboot: Reboot;
}

/**
 * An OS update: its commands run once per version, then the device reboots.
 * 1. Version already applied (its marker exists): the commands are skipped.
 * 2. Otherwise each command in order with `/bin/sh -c`; the first failure ends the step FAILED with
 *    the command, its exit status and the tail of its output.
 * 3. Marker `<stateDir>/os/<version>.done` and the device's OS version recorded, then
 *    `rebooting` is persisted and the device reboots; after the restart the step succeeds.
 * A restart while the commands ran cannot tell how far they got: the step fails rather than
 * run them twice.
 */
export function createOsUpdateStep(options: OsUpdateStepOptions): StepHandler<OsUpdateStep> {
  const osDir = join(options.stateDir, "os");
  return async ({ step, resumedPhase, report }) => {
    const { version } = step;
    const marker = join(osDir, `${version}.done`);
    const applied = await exists(marker);
    if (resumedPhase === REBOOTING_PHASE) return { status: "succeeded", details: { version } };
    if (resumedPhase === RUNNING_PHASE && !applied) {
      return {
        status: "failed",
        reason: `os-update ${version} was interrupted while its commands ran; they are not run twice`,
      };
    }
    if (applied) {
      await report("skipped", { version });
    } else {
      for (const [index, command] of step.commands.entries()) {
        await report(RUNNING_PHASE, { command: `${index + 1}/${step.commands.length}` });
        const result = await runShell(command);
        if (result.code !== 0) {
          return {
            status: "failed",
            reason: `command ${index + 1}/${step.commands.length} exited with ${result.code}: ${result.tail}`,
          };
        }
      }
      await writePrivateFile(marker, `${version}\n`);
      await writePrivateFile(join(osDir, "version"), `${version}\n`);
    }
    await report(REBOOTING_PHASE, { version });
    return rebootNow(options.reboot);
  };
}

/** The version of the last OS update this device applied, if any. */
export async function readOsVersion(stateDir: string): Promise<string | null> {
  try {
    return (await readFile(join(stateDir, "os", "version"), "utf8")).trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Runs `command` with `/bin/sh -c`; resolves its exit code (or signal) and the tail of its output. */
function runShell(command: string): Promise<{ code: number | string; tail: string }> {
  return new Promise((resolve) => {
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    };
    const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) => resolve({ code: error.message, tail: output.trim() }));
    child.on("close", (code, signal) =>
      resolve({ code: code ?? signal ?? "unknown", tail: output.trim() }),
    );
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
