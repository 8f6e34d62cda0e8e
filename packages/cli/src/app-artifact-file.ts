import { resolve } from "node:path";
import { type AppArtifact, InvalidAppArtifactError, readAppArtifact } from "@fleet/core";
import { CliError } from "./errors.ts";

/**
 * Reads and validates a release artifact on the operator's machine before anything is
 * uploaded: a missing file, a broken archive or a bad `app.json` is a usage error.
 */
export async function readArtifactFile(file: string): Promise<AppArtifact & { path: string }> {
  const path = resolve(file);
  try {
    return { path, ...(await readAppArtifact(path)) };
  } catch (error) {
    if (error instanceof InvalidAppArtifactError) {
      throw new CliError(`--artifact ${error.message}`, { exitCode: 2, cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
      throw new CliError(`--artifact ${file}: cannot read it (${code})`, {
        exitCode: 2,
        cause: error,
      });
    }
    throw error;
  }
}
