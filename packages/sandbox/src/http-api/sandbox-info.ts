import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { readOptionalFile, writePrivateFile } from "../state/private-files.ts";

/**
 * `<stateDir>/sandbox.json`: written by a running sandbox so that clients (the CLI, tests)
 * know where its API and broker listen, and the API's bearer token: hence mode 0600, so only
 * the developer's own processes can call the API. Removed on a clean stop.
 */
export const SandboxInfoSchema = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  apiUrl: z.url(),
  /** Sent as `Authorization: Bearer <token>`; a new one at each start. */
  token: z.string().min(22),
  mqtt: z.object({ host: z.string(), port: z.number().int().positive() }),
  startedAt: z.iso.datetime(),
});
export type SandboxInfo = z.infer<typeof SandboxInfoSchema>;

export const SANDBOX_INFO_FILE = "sandbox.json";

export function sandboxInfoPath(stateDir: string): string {
  return join(stateDir, SANDBOX_INFO_FILE);
}

export async function writeSandboxInfo(stateDir: string, info: SandboxInfo): Promise<void> {
  // Atomic, and 0600 from the first byte: the token is never readable by other users.
  await writePrivateFile(sandboxInfoPath(stateDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** Returns null when no sandbox has announced itself in this state dir. */
export async function readSandboxInfo(stateDir: string): Promise<SandboxInfo | null> {
  const text = await readOptionalFile(sandboxInfoPath(stateDir));
  if (text === null) return null;
  const parsed = SandboxInfoSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${sandboxInfoPath(stateDir)} is not a sandbox info file: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

export async function removeSandboxInfo(stateDir: string): Promise<void> {
  await rm(sandboxInfoPath(stateDir), { force: true });
}

/** True when a process with this pid exists (a stale sandbox.json names a dead one). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
