import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { APP_MANIFEST_FILE, type AppManifest, AppManifestSchema } from "@fleet/core/contracts";
import { create } from "tar";

/** An app directory cannot be built into an artifact (bad or missing `app.json`). */
export class AppBuildError extends Error {
  readonly file: string;
  constructor(message: string, fields: { file: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppBuildError";
    this.file = fields.file;
  }
}

export interface BuiltApp {
  name: string;
  version: string;
  /** Path of the `.tar.gz`: `<outDir>/<name>-<version>.tar.gz`. */
  file: string;
  size: number;
  sha256: string;
}

export interface BuildAppOptions {
  /**
   * Code shared by the apps, copied into the artifact's `lib/` (imported as `#lib/...`).
   * Default: the `lib` directory next to the app's directory.
   */
  libDir?: string;
  /** Replaces the manifest's version (tests and the sandbox build several releases of one app). */
  version?: string;
}

/**
 * Builds one app directory into an artifact (contracts/app-artifact.ts): a `.tar.gz` with
 * `app.json` at its root, the app's files, the shared `lib/`, and a `package.json` that
 * makes the files ES modules and maps `#lib/*` to `lib/*` (the same specifier resolves
 * through `apps/package.json` in the source tree). Entries carry no owner and a fixed mtime,
 * so building the same sources gives the same bytes.
 */
export async function buildApp(
  dir: string,
  outDir: string,
  options: BuildAppOptions = {},
): Promise<BuiltApp> {
  const appDir = resolve(dir);
  const manifest = await readManifest(join(appDir, APP_MANIFEST_FILE), options.version);
  const staging = await mkdtemp(join(tmpdir(), `app-${manifest.name}-`));
  try {
    await cp(appDir, staging, { recursive: true });
    await cp(options.libDir ?? join(appDir, "..", "lib"), join(staging, "lib"), {
      recursive: true,
    });
    await writeJson(join(staging, APP_MANIFEST_FILE), manifest);
    await writeJson(join(staging, "package.json"), {
      name: manifest.name,
      version: manifest.version,
      private: true,
      type: "module",
      imports: { "#lib/*": "./lib/*" },
    });
    await mkdir(outDir, { recursive: true });
    const file = join(resolve(outDir), `${manifest.name}-${manifest.version}.tar.gz`);
    const entries = (await readdir(staging)).sort();
    await create({ gzip: true, file, cwd: staging, portable: true, mtime: new Date(0) }, entries);
    return {
      name: manifest.name,
      version: manifest.version,
      file,
      size: (await stat(file)).size,
      sha256: await sha256Of(file),
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The app directories under `appsDir`: those holding an `app.json`, sorted by name. */
export async function findAppDirs(appsDir: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const entry of await readdir(appsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(appsDir, entry.name);
    if (await stat(join(dir, APP_MANIFEST_FILE)).catch(() => undefined)) dirs.push(dir);
  }
  return dirs.sort((a, b) => basename(a).localeCompare(basename(b)));
}

async function readManifest(file: string, version: string | undefined): Promise<AppManifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new AppBuildError(`${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  const parsed = AppManifestSchema.safeParse(
    version === undefined ? json : { ...(json as object), version },
  );
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(document)"}: ${issue.message}`)
      .join("; ");
    throw new AppBuildError(`${file} is not a valid app manifest: ${detail}`, { file });
  }
  return parsed.data;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
