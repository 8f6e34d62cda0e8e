import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, readlink, rename, rm, symlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * The on-disk layout of installed apps; it is the whole state of the app manager, so a
 * restarted device reads where it was from here:
 *
 *   <appsDir>/.downloads/<sha256>.part   artifact being downloaded (resumed with Range)
 *   <appsDir>/<name>/<version>/          an unpacked artifact (`<version>.tmp` while unpacking)
 *   <appsDir>/<name>/current -> <version>   the version that runs
 *   <appsDir>/<name>/previous -> <version>  the version a failed update rolls back to
 *   <appsDir>/<name>/data/               FLEET_APP_DATA_DIR, kept across versions (0700)
 *   <appsDir>/<name>/app.log(.1)         the app's stdout and stderr, rotated
 */
export const CURRENT_LINK = "current";
export const PREVIOUS_LINK = "previous";
const DATA_DIR = "data";
const LOG_FILE = "app.log";
const TMP_SUFFIX = ".tmp";
const DOWNLOADS_DIR = ".downloads";

/** Version strings that would collide with the layout's own entries. */
export function isReservedVersion(version: string): boolean {
  return (
    [CURRENT_LINK, PREVIOUS_LINK, DATA_DIR, LOG_FILE, `${LOG_FILE}.1`].includes(version) ||
    version.endsWith(TMP_SUFFIX)
  );
}

export interface AppLayout {
  readonly appsDir: string;
  appDir(name: string): string;
  versionDir(name: string, version: string): string;
  stagingDir(name: string, version: string): string;
  dataDir(name: string): string;
  logFile(name: string): string;
  downloadsDir(): string;
  partFile(sha256: string): string;
  /** Target version of `current` / `previous`, or null when the link is absent. */
  linkTarget(
    name: string,
    link: typeof CURRENT_LINK | typeof PREVIOUS_LINK,
  ): Promise<string | null>;
  /** Points the link at `version` atomically (a fresh symlink renamed over the old one). */
  pointLink(
    name: string,
    link: typeof CURRENT_LINK | typeof PREVIOUS_LINK,
    version: string,
  ): Promise<void>;
  removeLink(name: string, link: typeof CURRENT_LINK | typeof PREVIOUS_LINK): Promise<void>;
  /** App name -> `current` version for every app with a `current` link. */
  currentVersions(): Record<string, string>;
  /** Removes version directories (and leftovers of interrupted unpacks) other than `keep`. */
  prune(name: string, keep: readonly string[]): Promise<string[]>;
}

export function createAppLayout(appsDir: string): AppLayout {
  const appDir = (name: string) => join(appsDir, name);
  const linkPath = (name: string, link: string) => join(appDir(name), link);
  return {
    appsDir,
    appDir,
    versionDir: (name, version) => join(appDir(name), version),
    stagingDir: (name, version) => join(appDir(name), `${version}${TMP_SUFFIX}`),
    dataDir: (name) => join(appDir(name), DATA_DIR),
    logFile: (name) => join(appDir(name), LOG_FILE),
    downloadsDir: () => join(appsDir, DOWNLOADS_DIR),
    partFile: (sha256) => join(appsDir, DOWNLOADS_DIR, `${sha256}.part`),
    async linkTarget(name, link) {
      try {
        return await readlink(linkPath(name, link));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async pointLink(name, link, version) {
      await mkdir(appDir(name), { recursive: true, mode: 0o700 });
      const tmp = linkPath(name, `.${link}-${randomBytes(4).toString("hex")}`);
      // Relative target: the tree stays valid when appsDir is moved or bind-mounted.
      await symlink(version, tmp);
      await rename(tmp, linkPath(name, link));
    },
    async removeLink(name, link) {
      await rm(linkPath(name, link), { force: true });
    },
    currentVersions() {
      const versions: Record<string, string> = {};
      if (!existsSync(appsDir)) return versions;
      for (const entry of readdirSync(appsDir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
        try {
          versions[entry.name] = readlinkSync(linkPath(entry.name, CURRENT_LINK));
        } catch {
          // No `current` link: nothing of this app is installed (e.g. a failed first install).
        }
      }
      return versions;
    },
    async prune(name, keep) {
      const removed: string[] = [];
      if (!existsSync(appDir(name))) return removed;
      for (const entry of readdirSync(appDir(name), { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === DATA_DIR) continue;
        if (keep.includes(entry.name)) continue;
        await rm(join(appDir(name), entry.name), { recursive: true, force: true });
        removed.push(entry.name);
      }
      return removed;
    },
  };
}
