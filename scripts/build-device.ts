// `npm run build:device [-- --arch arm64|x64|none]`: the device client as a board runs it.
//   dist/device/lib/fleet-device.mjs   the client and its dependencies as one ES module, plus
//                                      chunks it loads on first use (the X.509 library)
//   dist/device/package.json           its version (read by the client at run time)
//   dist/device/bin/node               the Node runtime for the board (`--arch`, default arm64),
//                                      the same version as this repo's `node` devDependency,
//                                      from the npm registry package node-linux-<arch>
//   dist/device/fleet-device-<arch>.tar.gz   all of it: the input of `fleet image build`
// A bundle, because Node does not strip types from .ts files under node_modules and because
// one file loads faster and smaller than a tree of modules on a board.
import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build, type Plugin } from "esbuild";
import { create, x as untar } from "tar";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface BuiltDevice {
  bundle: string;
  /** The tarball; undefined when built without a runtime (`arch: "none"`). */
  tarball: string | undefined;
  version: string;
}

/**
 * Packages the client's dependencies load but the device never uses, each with why. mqtt.js
 * loads its WebSocket (`ws`) and SOCKS proxy (`socks`) transports, and with them Node's http,
 * https, zlib and dns modules, on first connect, and its browser timers (`worker-timers`) at
 * start; pino loads its worker-thread transports (`thread-stream`) at start. The bundle carries
 * a stand-in for each whose every function fails loudly if ever called: about 2 MiB less of
 * resident memory on a board.
 */
const UNUSED_PACKAGES: Readonly<Record<string, string>> = {
  ws: "the device connects over mqtts only",
  socks: "the device connects over mqtts only",
  "worker-timers": "mqtt.js uses Node's own timers outside a browser",
  "thread-stream": "the device logs to stdout synchronously, without pino transports",
};

/**
 * Packages the device uses but never needs switched on, replaced by a silent stand-in. mqtt.js
 * and mqtt-packet trace through `debug`, which prints only when the DEBUG variable names them;
 * the real package loads Node's tty module and supports-color at start and looks its switch up
 * on every packet. The device logs through pino instead.
 */
const SILENT_PACKAGES: Readonly<Record<string, string>> = {
  debug: `function debug() {
  const log = () => {};
  log.enabled = false;
  log.extend = debug;
  return log;
}
debug.enable = () => {};
debug.disable = () => "";
debug.enabled = () => false;
module.exports = debug;`,
};

/**
 * Node built-in modules a dependency loads for one small use, each replaced, for that importer
 * only, by a stand-in doing that use. Every built-in module Node loads keeps its source (pages
 * of the node binary) and its compiled functions resident; these pull in a dozen or more each.
 */
const BUILTIN_STAND_INS: readonly { importer: string; builtin: string; contents: string }[] = [
  // pino reads only isMainThread (whether to flush on exit); the client runs on the main thread.
  // node:worker_threads loads Node's worker, messaging and performance-timing modules.
  {
    importer: "/node_modules/pino/",
    builtin: "worker_threads",
    contents: "module.exports = { isMainThread: true };",
  },
  // write-file-atomic names its temporary files with the writing thread's id: the client writes
  // from the main thread, whose id is 0.
  {
    importer: "/node_modules/write-file-atomic/",
    builtin: "worker_threads",
    contents: "module.exports = { threadId: 0 };",
  },
  // sonic-boom checks one argument with assert(value, message); node:assert loads its diff
  // and call-tracking modules.
  {
    importer: "/node_modules/sonic-boom/",
    builtin: "assert",
    contents:
      "module.exports = function assert(value, message) { if (!value) throw new Error(message); };",
  },
];

/**
 * Globals a dependency probes for, to tell a browser from Node or to pick a clock, where merely
 * reading the global makes Node load modules of its own (each one's source and code then stays
 * resident). Each file gets a module-scope variable of that name, so the probe sees none.
 */
const SHADOWED_GLOBALS: readonly { file: RegExp; global: string }[] = [
  // lru-cache (mqtt.js's topic aliases) takes performance.now as its clock where there is one,
  // else Date.now; `performance` loads Node's performance-timing modules.
  { file: /\/lru-cache\/dist\/commonjs\/index\.js$/, global: "performance" },
  // mqtt.js asks whether it runs in React Native; `navigator` loads Node's navigator, web locks
  // and worker modules.
  { file: /\/mqtt\/build\/lib\/is-browser\.js$/, global: "navigator" },
];

const withoutUnusedPackages: Plugin = {
  name: "without-unused-packages",
  setup(build) {
    const names = Object.keys(UNUSED_PACKAGES).join("|");
    build.onResolve({ filter: new RegExp(`^(${names})$`) }, (args) => ({
      path: args.path,
      namespace: "unused-package",
    }));
    const silent = Object.keys(SILENT_PACKAGES).join("|");
    build.onResolve({ filter: new RegExp(`^(${silent})$`) }, (args) => ({
      path: args.path,
      namespace: "silent-package",
    }));
    build.onLoad({ filter: /.*/, namespace: "silent-package" }, (args) => ({
      loader: "js",
      contents: SILENT_PACKAGES[args.path],
    }));
    // mqtt.js's SOCKS connector wraps the socks package (above) and loads node:dns and
    // node:assert at start: the same stand-in.
    build.onResolve({ filter: /^\.\/socks$/ }, (args) =>
      args.importer.includes("/node_modules/mqtt/")
        ? { path: "socks", namespace: "unused-package" }
        : undefined,
    );
    build.onResolve({ filter: /^(node:)?(worker_threads|assert)$/ }, (args) => {
      const builtin = args.path.replace(/^node:/, "");
      const index = BUILTIN_STAND_INS.findIndex(
        (standIn) => standIn.builtin === builtin && args.importer.includes(standIn.importer),
      );
      return index === -1 ? undefined : { path: String(index), namespace: "builtin-stand-in" };
    });
    for (const { file, global } of SHADOWED_GLOBALS) {
      build.onLoad({ filter: file }, async (args) => ({
        loader: "js",
        contents: `var ${global} = undefined;\n${await readFile(args.path, "utf8")}`,
      }));
    }
    build.onLoad({ filter: /.*/, namespace: "builtin-stand-in" }, (args) => ({
      loader: "js",
      contents: BUILTIN_STAND_INS[Number(args.path)]?.contents,
    }));
    build.onLoad({ filter: /.*/, namespace: "unused-package" }, (args) => ({
      loader: "js",
      contents: `function unavailable() {
  throw new Error(${JSON.stringify(`${args.path} is not in the device bundle: ${UNUSED_PACKAGES[args.path]}`)});
}
module.exports = new Proxy(unavailable, {
  get: (target, key) => (key === "default" ? module.exports : key === "__esModule" ? false : unavailable),
});`,
    }));
  },
};

/** Bundles the client into `outDir`; with an arch, adds that Node runtime and packs it all. */
export async function buildDevice(
  outDir: string,
  arch: "arm64" | "x64" | "none",
): Promise<BuiltDevice> {
  const devicePackage = JSON.parse(
    await readFile(join(repo, "packages/device/package.json"), "utf8"),
  ) as { version: string };
  await rm(outDir, { recursive: true, force: true });
  const bundle = join(outDir, "lib/fleet-device.mjs");
  await build({
    entryPoints: { "fleet-device": join(repo, "packages/device/src/bin/fleet-device.ts") },
    outdir: join(outDir, "lib"),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    // Dynamic imports become chunks loaded when first needed.
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    // V8 keeps a script's source in the heap for the process's life: a smaller source is less
    // resident memory. Names are kept so that error stacks stay readable.
    minify: true,
    keepNames: true,
    // CommonJS dependencies (pino, mqtt's) call require() and read __filename (write-file-atomic
    // names its temporary files with it: without it every private file write threw); give each
    // ES module chunk both.
    // zod compiles a parser for each object schema with new Function, deciding while it builds
    // the schema, by looking for a Cloudflare `navigator` (which loads Node's navigator module).
    // A client parsing a message every few seconds gains nothing from the generated code and
    // keeps it and its source in memory; zod's interpreted parsers make the same checks. zod
    // reads its configuration from globalThis.__zod_globalConfig when it loads (zod/v4/core/
    // core.js; `z.config({ jitless: true })` writes the same object), and a chunk's banner runs
    // before any of its modules: set in every chunk, it precedes the first schema whichever
    // chunk (the entry's, or one shared with a lazily loaded module) builds it.
    banner: {
      js: 'import { createRequire as __fleetCreateRequire } from "node:module"; const require = __fleetCreateRequire(import.meta.url); const __filename = import.meta.filename; const __dirname = import.meta.dirname; globalThis.__zod_globalConfig ??= { jitless: true };',
    },
    legalComments: "linked",
    plugins: [withoutUnusedPackages],
    // readable-stream is Node's own stream module republished for browsers: on Node, the
    // built-in one serves mqtt.js and its dependencies without a second copy in memory.
    alias: { "readable-stream": "node:stream" },
    logLevel: "warning",
  });
  await writeFile(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: "fleet-device", version: devicePackage.version, type: "module" }, null, 2)}\n`,
  );
  if (arch === "none") return { bundle, tarball: undefined, version: devicePackage.version };

  await addNodeRuntime(outDir, arch);
  const tarball = join(outDir, `fleet-device-${arch}.tar.gz`);
  await create({ gzip: true, file: tarball, cwd: outDir, portable: true }, [
    "bin",
    "lib",
    "package.json",
  ]);
  return { bundle, tarball, version: devicePackage.version };
}

/**
 * bin/node of the repo's Node version for `arch`, from the registry's node-linux-<arch>. (Node
 * 22 ran the client in 1.3 MiB less RSS, measured side by side, but prints node:sqlite's
 * experimental warning at every start and would differ from the runtime the tests use.)
 */
async function addNodeRuntime(outDir: string, arch: "arm64" | "x64"): Promise<void> {
  const { version } = JSON.parse(
    await readFile(join(repo, "node_modules/node/package.json"), "utf8"),
  ) as { version: string };
  const work = await mkdtemp(join(tmpdir(), "fleet-node-runtime-"));
  try {
    const packed = execFileSync("npm", ["pack", `node-linux-${arch}@${version}`, "--silent"], {
      cwd: work,
      encoding: "utf8",
    }).trim();
    await untar({ file: join(work, packed), cwd: work });
    await mkdir(join(outDir, "bin"), { recursive: true });
    await copyFile(join(work, "package/bin/node"), join(outDir, "bin/node"));
    await chmod(join(outDir, "bin/node"), 0o755);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { arch: { type: "string", default: "arm64" }, out: { type: "string" } },
  });
  const arch = values.arch;
  if (arch !== "arm64" && arch !== "x64" && arch !== "none") {
    console.error(`--arch: expected arm64, x64 or none, got ${JSON.stringify(arch)}`);
    process.exit(2);
  }
  const built = await buildDevice(values.out ?? join(repo, "dist/device"), arch);
  console.log(`fleet-device ${built.version}: ${built.bundle}`);
  if (built.tarball !== undefined) console.log(`tarball for fleet image build: ${built.tarball}`);
}
