import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ENSURE_SCRIPT = fileURLToPath(
  new URL("../../scripts/ensure-debian-tools.sh", import.meta.url),
);

/** Installs shellcheck, systemd-analyze and packer with apt-get when missing (a no-op otherwise). */
export function ensureDebianTools(): void {
  execFileSync("sh", [ENSURE_SCRIPT], { stdio: ["ignore", "inherit", "inherit"] });
}

/** Runs a tool, returning its exit status and output instead of throwing on failure. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(command, args, {
      ...options,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    return {
      status: failed.status ?? 1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? String(error),
    };
  }
}
