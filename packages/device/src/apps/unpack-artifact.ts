import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  APP_MANIFEST_FILE,
  type AppManifest,
  AppManifestSchema,
  type AppUpdateStep,
  MAX_ARTIFACT_BYTES,
  parseJsonWithinDepth,
} from "@fleet/core/contracts";
import type { ReadEntry } from "tar";
import { errorText } from "../error-text.ts";
import { ArtifactContentError } from "./app-errors.ts";
import { type ArtifactEntry, findUnsafeEntry } from "./artifact-entries.ts";
import { stripSetIdBits } from "./strip-set-id-bits.ts";

/** An artifact may unpack to at most this many bytes (a small tarball can inflate hugely). */
const MAX_UNPACKED_BYTES = 4 * MAX_ARTIFACT_BYTES;

/**
 * Unpacks a verified artifact into `stagingDir`, then renames it to `versionDir` so a version
 * directory is either complete or absent. Every entry is checked first: an absolute path, a
 * `..` segment, a link that resolves outside the directory (through the archive's other
 * links too) or a device/FIFO entry refuses the whole artifact. Setuid and setgid bits are
 * cleared. Returns the validated manifest, which must name the step's app and version.
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
  const entries: ArtifactEntry[] = [];
  let unpackedBytes = 0;
  try {
    await list({
      file: tarball,
      onReadEntry: (entry: ReadEntry) => {
        unpackedBytes += entry.size;
        entries.push({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
      },
    });
  } catch (error) {
    throw refuse(`artifact is not a readable .tar.gz: ${errorText(error)}`, undefined, error);
  }
  const unsafe = findUnsafeEntry(entries);
  if (unsafe)
    throw refuse(
      `unsafe artifact entry ${JSON.stringify(unsafe.entry)}: ${unsafe.message}`,
      unsafe.entry,
    );
  if (unpackedBytes > MAX_UNPACKED_BYTES) {
    throw refuse(`artifact unpacks to ${unpackedBytes} bytes, more than ${MAX_UNPACKED_BYTES}`);
  }

  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true, mode: 0o755 });
  try {
    // strict: any warning (e.g. an entry tar would rewrite) fails the unpack.
    await extract({ file: tarball, cwd: stagingDir, strict: true, preservePaths: false });
    await stripSetIdBits(stagingDir);
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
    raw = parseJsonWithinDepth(await readFile(file, "utf8"));
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
