import { readFile } from "node:fs/promises";
import * as z from "zod";
import { CredentialsError } from "../errors.ts";
import { writePrivateFile } from "../private-file.ts";

/**
 * What the device has done of one rotation, persisted after each step so a restart resumes:
 * - `key`: `key.next.pem` is written; the CSR is made (again) from it.
 * - `certificate`: `cert.next.pem` is issued, verified against the key and written.
 * - `committed`: the backend accepted the commit: the old certificate is revoked.
 * - `done`: the new pair is promoted to the device's certificate and key.
 * - `failed`: given up; `errorCode` says why. The old pair is in use.
 */
export const RotationProgressSchema = z.object({
  rotationId: z.string(),
  jobId: z.string(),
  step: z.enum(["key", "certificate", "committed", "done", "failed"]),
  newCertificateId: z.string().optional(),
  errorCode: z.string().optional(),
});
export type RotationProgress = z.infer<typeof RotationProgressSchema>;

/** Reads the progress file; null when there is none. */
export async function readRotationProgress(file: string): Promise<RotationProgress | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CredentialsError(`cannot read ${file}`, { file }, { cause: error });
  }
  const parsed = RotationProgressSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new CredentialsError(`${file} is not a rotation progress record`, { file });
  }
  return parsed.data;
}

/** Writes the progress file atomically, mode 0600 in a 0700 directory. */
export async function writeRotationProgress(
  file: string,
  progress: RotationProgress,
): Promise<void> {
  await writePrivateFile(file, `${JSON.stringify(progress, null, 2)}\n`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
