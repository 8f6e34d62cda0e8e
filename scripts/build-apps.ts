import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AppBuildError, type BuiltApp, buildApp, findAppDirs } from "./build-app.ts";

/**
 * `npm run build:apps [-- --out DIR]`: builds every app under `apps/` into
 * `dist/apps/<name>-<version>.tar.gz` and prints each artifact's size and SHA-256.
 */

const ROOT = resolve(import.meta.dirname, "..");

/** Builds every app directory (one holding `app.json`) of `appsDir` into `outDir`. */
export async function buildApps(appsDir: string, outDir: string): Promise<BuiltApp[]> {
  const built: BuiltApp[] = [];
  for (const dir of await findAppDirs(appsDir)) built.push(await buildApp(dir, outDir));
  return built;
}

function printTable(built: readonly BuiltApp[]): void {
  const rows = [
    ["artifact", "size", "sha256"],
    ...built.map((app) => [relative(process.cwd(), app.file), `${app.size} B`, app.sha256]),
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  for (const [file = "", size = "", sha256 = ""] of rows) {
    console.log(`${file.padEnd(widths[0] ?? 0)}  ${size.padStart(widths[1] ?? 0)}  ${sha256}`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { out: { type: "string", default: resolve(ROOT, "dist/apps") } },
  });
  try {
    printTable(await buildApps(resolve(ROOT, "apps"), resolve(values.out)));
  } catch (error) {
    if (!(error instanceof AppBuildError)) throw error;
    console.error(`build:apps: ${error.message}`);
    process.exitCode = 1;
  }
}
