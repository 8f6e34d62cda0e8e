import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/** One file of the console as the API serves it. */
export interface ConsoleAsset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

/** The console's files by name: `index.html`, `console.js`, `console.css`. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

const APP_DIR = fileURLToPath(new URL("../../console-app/", import.meta.url));

let built: Promise<ConsoleAssets> | undefined;

/**
 * The console's page, script and styles, bundled from `console-app/` with esbuild in memory the
 * first time a browser asks (a fresh clone has nothing to find on disk, and the sources cannot
 * change under a running sandbox), then kept for the process. Nothing comes from the internet:
 * uPlot and the contracts are bundled from `node_modules` and the packages.
 */
export function consoleAssets(): Promise<ConsoleAssets> {
  built ??= bundle().catch((error: unknown) => {
    built = undefined; // the next request tries again
    throw error;
  });
  return built;
}

async function bundle(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: { console: `${APP_DIR}main.ts` },
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2023",
    minify: true,
    write: false,
    outdir: "/console",
    metafile: true,
    logLevel: "silent",
    plugins: [withoutNodeBuiltins],
  });
  const bundled = Object.values(result.metafile.outputs).flatMap((out) => Object.keys(out.inputs));
  // The plugin's stubs live in the "node" namespace: their inputs are named `node:node:...`.
  if (bundled.some((input) => input.startsWith("node:"))) {
    throw new Error("the console bundle calls a Node built-in module");
  }
  const assets = new Map<string, ConsoleAsset>([
    ["index.html", { contentType: "text/html; charset=utf-8", body: await page() }],
  ]);
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const contentType = name.endsWith(".css") ? "text/css" : "text/javascript";
    assets.set(name, {
      contentType: `${contentType}; charset=utf-8`,
      body: new Uint8Array(file.contents),
    });
  }
  return assets;
}

async function page(): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(`${APP_DIR}index.html`));
}

/**
 * Contract modules that also export Node-only helpers (signature checks with `node:crypto`)
 * import built-ins the console never calls: they resolve to an empty module that tree shaking
 * drops. `bundle` fails if one is still in the output.
 */
const withoutNodeBuiltins: Plugin = {
  name: "without-node-builtins",
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => ({
      path: args.path,
      namespace: "node",
      sideEffects: false,
    }));
    builder.onLoad({ filter: /.*/, namespace: "node" }, () => ({
      contents: "module.exports = {};",
      loader: "js",
    }));
  },
};
