import { chmod, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

const SET_ID_BITS = 0o6000;

/**
 * Clears the setuid and setgid bits of everything under `dir`. An artifact's files keep their
 * archive modes, and a device that unpacks as root also keeps their archive owners: a setuid
 * file would then run as any user the artifact names, root included. Symbolic links are
 * skipped (chmod would follow them; their own mode means nothing).
 */
export async function stripSetIdBits(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    const { mode } = await lstat(path);
    if ((mode & SET_ID_BITS) !== 0) await chmod(path, mode & 0o7777 & ~SET_ID_BITS);
  }
}
