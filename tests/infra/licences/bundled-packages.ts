import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BuildOptions, build } from "esbuild";

/** A package whose code a bundle carries, with the licence its package.json declares. */
export interface BundledPackage {
  name: string;
  /** The `license` field (SPDX expression), or `UNDECLARED`. */
  licence: string;
}

/**
 * The files a bundle is made of, per entry point: esbuild's metafile inputs. Only the module
 * graph is resolved (nothing is written); native addons stay external, as in a real bundle.
 */
export async function bundleInputs(
  options: Pick<BuildOptions, "entryPoints" | "stdin" | "alias">,
  root: string,
): Promise<string[]> {
  const result = await build({
    ...options,
    absWorkingDir: root,
    outdir: join(root, ".bundle-inputs"),
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    external: ["*.node"],
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs);
}

const packageCache = new Map<string, BundledPackage>();

/** The package a bundled file belongs to: the nearest package.json that names a package. */
function packageOf(directory: string, root: string): BundledPackage {
  const cached = packageCache.get(directory);
  if (cached !== undefined) return cached;
  const manifest = join(directory, "package.json");
  let found: BundledPackage | undefined;
  if (existsSync(manifest)) {
    const json = JSON.parse(readFileSync(manifest, "utf8")) as {
      name?: string;
      license?: string | { type?: string };
    };
    if (json.name !== undefined) {
      const licence = typeof json.license === "string" ? json.license : json.license?.type;
      found = { name: json.name, licence: licence ?? "UNDECLARED" };
    }
  }
  const parent = dirname(directory);
  found ??=
    parent === directory || directory === root
      ? { name: "(no package)", licence: "UNDECLARED" }
      : packageOf(parent, root);
  packageCache.set(directory, found);
  return found;
}

/** The packages of a bundle's input files (esbuild paths, relative to `root`), each once. */
export function bundledPackages(inputs: string[], root: string): BundledPackage[] {
  const packages = new Map<string, BundledPackage>();
  for (const input of inputs) {
    // Virtual modules (`<namespace>:<path>`) belong to no package.
    if (/^[\w-]+:/.test(input)) continue;
    const found = packageOf(dirname(join(root, input)), root);
    packages.set(found.name, found);
  }
  return [...packages.values()];
}

/** AGPL in any form (AGPL-3.0-only, AGPL-3.0-or-later, `MIT OR AGPL-3.0`...). */
export const isAgpl = (bundled: BundledPackage) => /\bAGPL/i.test(bundled.licence);
