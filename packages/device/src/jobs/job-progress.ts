import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { toStatusDetails } from "@fleet/core/contracts";
import * as z from "zod";
import { writePrivateFile } from "../private-file.ts";

/**
 * Where the device stands in the job it runs, persisted so that a restart (a reboot step,
 * a crash) resumes it: the step, the phase that step last reported, and, once every step
 * ran, the terminal update still to be sent.
 */
export const JobProgressSchema = z.object({
  jobId: z.string().min(1),
  stepIndex: z.int().min(0),
  stepState: z.string().nullable(),
  outcome: z
    .object({
      status: z.enum(["SUCCEEDED", "FAILED"]),
      // Cleaned on read too: an outcome saved by an older device with raw command output
      // must still read back (unreadable progress would run the job's steps again).
      statusDetails: z.record(z.string(), z.string()).transform(toStatusDetails),
    })
    .optional(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export function jobProgressFile(stateDir: string): string {
  return join(stateDir, "jobs", "current.json");
}

/** The persisted progress; undefined when there is none or it is unreadable (logged by the caller). */
export async function readJobProgress(file: string): Promise<JobProgress | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JobProgressSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

export function writeJobProgress(file: string, progress: JobProgress): Promise<void> {
  return writePrivateFile(file, `${JSON.stringify(progress)}\n`);
}
