import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import {
  APP_MANIFEST_FILE,
  type AppManifest,
  AppManifestSchema,
  type AppUpdateStep,
  MAX_ARTIFACT_BYTES,
} from "@fleet/core/contracts";
import type { ReadEntry } from "tar";
import { errorText } from "../error-text.ts";
import { ArtifactContentError } from "./app-errors.ts";

/** An artifact may unpack to at most this many bytes (a small tarball can inflate hugely). */
const MAX_UNPACKED_BYTES = 4 * MAX_ARTIFACT_BYTES;
const ALLOWED_TYPES = new Set([
  "File",
  "OldFile",
  "ContiguousFile",
  "Directory",
  "SymbolicLink",
  "Link",
]);

/**
 * Unpacks a verified artifact into `stagingDir`, then renames it to `versionDir` so a version
 * directory is either complete or absent. Every entry is checked first: an absolute path, a
 * `..` segment, a link pointing outside the directory or a device/FIFO entry refuses the
 * whole artifact. Returns the validated manifest, which must name the step's app and version.
 */
export async function unpackArtifact(options: {
  step: AppUpdateStep;
  tarball: string;
  stagingDir: string;
  versionDir: string;
}): Promise<AppManifest> {
  const { step, tarball, stagingDir, versionDir } = options;
  const refuse = (message: string, entry?: string, cause?: unknown) =>
    new ArtifactContentError(
      message,
      { app: step.app, version: step.version, ...(entry === undefined ? {} : { entry }) },
      { cause },
    );

  // Loaded on first use: tar and zlib stay out of a device's memory until it installs an app.
  const { extract, list } = await import("tar");
  const problems: { message: string; entry: string }[] = [];
  let unpackedBytes = 0;
  try {
    await list({
      file: tarball,
      onReadEntry: (entry: ReadEntry) => {
        unpackedBytes += entry.size;
        const problem = entryProblem(entry);
        if (problem) problems.push({ message: problem, entry: entry.path });
      },
    });
  } catch (error) {
    throw refuse(`artifact is not a readable .tar.gz: ${errorText(error)}`, undefined, error);
  }
  const first = problems[0];
  if (first)
    throw refuse(
      `unsafe artifact entry ${JSON.stringify(first.entry)}: ${first.message}`,
      first.entry,
    );
  if (unpackedBytes > MAX_UNPACKED_BYTES) {
    throw refuse(`artifact unpacks to ${unpackedBytes} bytes, more than ${MAX_UNPACKED_BYTES}`);
  }

  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true, mode: 0o755 });
  try {
    // strict: any warning (e.g. an entry tar would rewrite) fails the unpack.
    await extract({ file: tarball, cwd: stagingDir, strict: true, preservePaths: false });
  } catch (error) {
    await rm(stagingDir, { recursive: true, force: true });
    throw refuse(`cannot unpack artifact: ${errorText(error)}`, undefined, error);
  }

  const manifest = await readManifest(stagingDir).catch(async (error: unknown) => {
    await rm(stagingDir, { recursive: true, force: true });
    throw refuse(errorText(error), APP_MANIFEST_FILE, error);
  });
  if (manifest.name !== step.app || manifest.version !== step.version) {
    await rm(stagingDir, { recursive: true, force: true });
    throw refuse(
      `${APP_MANIFEST_FILE} names ${manifest.name}@${manifest.version}, but the job installs ${step.app}@${step.version}`,
      APP_MANIFEST_FILE,
    );
  }
  await rm(versionDir, { recursive: true, force: true });
  await rename(stagingDir, versionDir);
  return manifest;
}

/** Reads and validates `<dir>/app.json`; the error names the file and the failing field. */
export async function readManifest(dir: string): Promise<AppManifest> {
  const file = join(dir, APP_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${APP_MANIFEST_FILE} at the artifact root: ${errorText(error)}`, {
      cause: error,
    });
  }
  const parsed = AppManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(document)";
    throw new Error(`invalid ${APP_MANIFEST_FILE}: ${field}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function entryProblem(entry: ReadEntry): string | null {
  if (!ALLOWED_TYPES.has(entry.type)) return `entry type ${entry.type} is not allowed`;
  if (escapes(entry.path)) return "path is absolute or leaves the app directory";
  if (entry.type === "SymbolicLink") {
    const target = entry.linkpath ?? "";
    if (posix.isAbsolute(target) || escapes(posix.join(posix.dirname(entry.path), target))) {
      return `symbolic link to ${JSON.stringify(target)} leaves the app directory`;
    }
  }
  // Hard link targets are archive paths, relative to the root.
  if (entry.type === "Link" && escapes(entry.linkpath ?? "")) {
    return `hard link to ${JSON.stringify(entry.linkpath)} leaves the app directory`;
  }
  return null;
}

function escapes(path: string): boolean {
  if (path === "" || posix.isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return true;
  if (path.split("/").includes("..")) return true;
  const normalized = posix.normalize(path);
  return normalized === ".." || normalized.startsWith("../");
}
