import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/index.ts";

/**
 * Every Lambda entry must bundle the way SST bundles it for deploy (one ESM file for Node,
 * every dependency inlined), which the offline stack tests cannot show: their Runtime.Build
 * is a stub.
 */

const HANDLERS_DIR = join(REPO_ROOT, "packages", "functions", "src", "handlers");
const handlers = readdirSync(HANDLERS_DIR)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => join(HANDLERS_DIR, file));

const outRoot = mkdtempSync(join(tmpdir(), "fleet-bundle-"));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/** Bundles one entry as SST does for an ESM Node function; returns the bundle's exports. */
async function bundle(entry: string): Promise<{ file: string; exports: string[] }> {
  const outdir = join(outRoot, basename(entry, ".ts"));
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    outdir,
    outExtension: { ".js": ".mjs" },
    platform: "node",
    format: "esm",
    target: "node22",
    bundle: true,
    metafile: true,
    logLevel: "silent",
    // CommonJS dependencies call require(); in an ES module it has to be made, as SST does.
    banner: {
      js: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);",
    },
  });
  const [file, output] = Object.entries(result.metafile.outputs)[0] ?? [];
  if (!file || !output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  return { file: resolve(REPO_ROOT, file), exports: output.exports };
}

/**
 * Loads a bundle in a fresh Node process with no function environment. A handler either
 * loads, or stops at its cold-start environment check; anything else (a dependency that
 * cannot run bundled) is a broken bundle.
 */
async function loadInNode(
  file: string,
): Promise<{ handler?: string; error?: string; message?: string }> {
  const script = `
    try {
      const module = await import(${JSON.stringify(pathToFileURL(file).href)});
      console.log(JSON.stringify({ handler: typeof module.handler }));
    } catch (error) {
      console.log(JSON.stringify({ error: error.name, message: error.message }));
    }`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "--eval", script],
    { env: { PATH: process.env.PATH ?? "" } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
}

describe("Lambda handler bundles", () => {
  it("finds the handler entries", () => {
    expect(handlers.map((entry) => basename(entry))).toContain("presence-event.ts");
  });

  describe.each(handlers.map((entry) => [basename(entry), entry]))("%s", (_, entry) => {
    it("bundles into one ESM file for Node that exports `handler`", async () => {
      const { exports } = await bundle(entry);

      expect(exports).toContain("handler");
    });

    it("loads in Node as bundled, up to its environment check", async () => {
      const { file } = await bundle(entry);

      const loaded = await loadInNode(file);

      expect([
        { handler: "function" },
        expect.objectContaining({ error: "InvalidEnvironmentError" }),
      ]).toContainEqual(loaded);
    });
  });

  it("fails for a handler that imports something that cannot be bundled", async () => {
    const entry = join(outRoot, "broken-handler.ts");
    writeFileSync(
      entry,
      'import { missing } from "@fleet/not-a-package";\nexport const handler = async () => missing();\n',
    );

    await expect(bundle(entry)).rejects.toThrow(/Could not resolve "@fleet\/not-a-package"/);
  });
});
