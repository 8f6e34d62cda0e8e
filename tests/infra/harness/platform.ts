import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * SST's platform (its component sources plus @pulumi/aws and @pulumi/pulumi) is not an npm
 * dependency of the repo: `sst install` builds it into `.sst/platform` from sst.config.ts. The
 * infrastructure tests and the type check of `stacks/` need it, so it is built on first use,
 * offline (npm registry only) and without AWS credentials, once per clone.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const PLATFORM_DIR = join(REPO_ROOT, ".sst", "platform");
/** A `beforeAll` timeout for a stack run: the first run in a fresh clone builds `.sst/platform`. */
export const PLATFORM_BUILD_TIMEOUT_MS = 300_000;

const READY_MARKER = join(PLATFORM_DIR, ".fleet-ready");
const LOCK_DIR = join(REPO_ROOT, ".sst", ".platform-install.lock");
/** A lock older than this is left over from a killed install. */
const STALE_LOCK_MS = 10 * 60_000;
const POLL_MS = 500;

function sstVersion(): string {
  // `sst` does not export its package.json, so it is read from the installed package.
  const manifest = JSON.parse(
    readFileSync(join(REPO_ROOT, "node_modules", "sst", "package.json"), "utf8"),
  ) as { version: string };
  return manifest.version;
}

function isReady(version: string): boolean {
  return existsSync(READY_MARKER) && readFileSync(READY_MARKER, "utf8").trim() === version;
}

function tryLock(): boolean {
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  try {
    mkdirSync(LOCK_DIR);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (Date.now() - statSync(LOCK_DIR).mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
    return false;
  }
}

async function install(version: string): Promise<void> {
  const sstBin = join(REPO_ROOT, "node_modules", "sst", "bin", "sst.mjs");
  try {
    await promisify(execFile)(process.execPath, [sstBin, "install"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        // Build the platform with npm only: no Pulumi/Bun download, no stage prompt, no
        // telemetry. `install` never reads AWS credentials.
        SST_SKIP_DEPENDENCY_CHECK: "true",
        SST_NO_BUN: "true",
        SST_STAGE: process.env.SST_STAGE ?? "test",
        SST_TELEMETRY_DISABLED: "1",
      },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`sst install\` failed to build ${PLATFORM_DIR}:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
  writeFileSync(READY_MARKER, `${version}\n`);
}

/**
 * Makes sure `.sst/platform` is built for the pinned SST version. Idempotent and safe to call
 * from parallel test workers: one installs while the others wait.
 */
export async function ensurePlatform(): Promise<void> {
  const version = sstVersion();
  while (!isReady(version)) {
    if (!tryLock()) {
      await new Promise((done) => setTimeout(done, POLL_MS));
      continue;
    }
    try {
      if (!isReady(version)) await install(version);
    } finally {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
  }
}

if (import.meta.main) {
  await ensurePlatform();
}
