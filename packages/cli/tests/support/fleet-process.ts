// Drives the `fleet` CLI as an operator would: each command in its own Node process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const FLEET_BIN = fileURLToPath(new URL("../../src/bin/fleet.ts", import.meta.url));

export const run = promisify(execFile);

/** Runs `fleet ...args` to completion and returns its stdout (rejects on a non-zero exit). */
export async function fleet(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [FLEET_BIN, ...args]);
  return stdout;
}

/** Starts `fleet sandbox` on `stateDir` with `devices` simulated boards and a random MQTT port. */
export function startSandbox(
  stateDir: string,
  devices: string,
  extra: string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [
      FLEET_BIN,
      "sandbox",
      "--devices",
      devices,
      "--state-dir",
      stateDir,
      "--mqtt-port",
      "0",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** Polls `probe` until it returns a value, or fails naming what was awaited. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: lastError });
}
