import { chmod, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes a private file (key, certificate, rotation progress) to a temporary file renamed
 * into place, mode 0600 in a 0700 directory: a crash leaves the old file or the new one,
 * never a truncated key.
 */
export async function writePrivateFile(file: string, data: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone.
  await chmod(dir, 0o700);
  // Loaded on first use (provisioning, rotation, a job): with it come signal-exit's process
  // handlers and worker_threads, which a client that only sends telemetry never needs.
  const { default: writeFileAtomic } = await import("write-file-atomic");
  await writeFileAtomic(file, data, { mode: 0o600 });
}
