import { chmod, mkdir, readFile } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";

/**
 * Files in the state directory and in device credential directories hold private keys, so
 * directories are 0700 and files 0600, and every write goes to a temporary file renamed into
 * place: a crash never leaves a truncated key or registry behind.
 */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone.
  await chmod(path, 0o700);
}

export async function writePrivateFile(path: string, data: string): Promise<void> {
  await writeFileAtomic(path, data, { mode: 0o600 });
}

/** The file's text, or null when it does not exist. */
export async function readOptionalFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
