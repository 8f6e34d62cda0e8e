import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RecordingMocks, type RegisteredResource, recordingMocks } from "./mocks.ts";
import { ensurePlatform, PLATFORM_DIR, REPO_ROOT } from "./platform.ts";
import { type ResourceOptions, recordResourceOptions } from "./resource-options.ts";
import { type BuildRequest, type RpcStub, startRpcStub } from "./rpc-stub.ts";

/**
 * Runs SST stack code offline, the way `sst deploy` runs `run()` of sst.config.ts, but with
 * Pulumi's mocks in place of the engine and AWS:
 * - the globals the SST CLI injects (`$app`, `$cli`, `$dev`, `$util`, `$interpolate`, ...,
 *   `aws`, `sst`) are set from `.sst/platform`, the same modules a deploy uses;
 * - `SST_SERVER` points at a loopback stub answering `Runtime.Build` and
 *   `Provider.Aws.Bootstrap`, so `sst.aws.Function` builds;
 * - the program runs inside SST's own runner (.sst/platform/src/auto/run.ts), so its stack
 *   transformations and outputs (`_protect`) are the deploy's.
 */

type AppConfig = {
  name: string;
  removal?: "remove" | "retain" | "retain-all";
  protect?: boolean;
  home: string;
  providers?: Record<string, unknown>;
};
type SstConfig = { app(input: { stage: string }): AppConfig | Promise<AppConfig>; run(): unknown };
type Pulumi = typeof $util;

export interface StackRun<Outputs> {
  /** The program's return value with every Output resolved (plus SST's `_protect`). */
  outputs: Outputs & { _protect?: boolean };
  /** Every resource registered, components included, in registration order. */
  resources: RegisteredResource[];
  /** The `protect` and `retainOnDelete` options of each, as the engine would receive them. */
  options: ResourceOptions[];
  /** Every `Runtime.Build` request, i.e. each function SST would bundle. */
  builds: BuildRequest[];
  /** Resources of one type token. */
  ofType(type: string): RegisteredResource[];
  /** The one resource of a type (and logical name); throws if there is not exactly one. */
  one(type: string, name?: string): RegisteredResource;
}

export interface RunStackOptions {
  /** SST stage; the app config from sst.config.ts is evaluated for it. Default `test`. */
  stage?: string;
}

const STACK_TIMEOUT_MS = 30_000;

const platformRequire = createRequire(join(PLATFORM_DIR, "package.json"));
let rpc: RpcStub | undefined;

/** The `app()` result of sst.config.ts for a stage (what `$app` is built from). */
export async function loadAppConfig(stage: string): Promise<AppConfig> {
  return (await loadSstConfig()).app({ stage });
}

async function loadSstConfig(): Promise<SstConfig> {
  // The CLI provides `$config`; it only hands the config object back.
  Object.assign(globalThis, { $config: (config: SstConfig) => config });
  const module = (await import(join(REPO_ROOT, "sst.config.ts"))) as { default: SstConfig };
  return module.default;
}

async function installGlobals(stage: string, workDir: string): Promise<void> {
  const app = await loadAppConfig(stage);
  // First the values the CLI defines at build time: platform modules read them on import.
  Object.assign(globalThis, {
    $app: {
      name: app.name,
      stage,
      removal: app.removal ?? "retain",
      providers: app.providers ?? {},
      protect: app.protect ?? false,
    },
    $dev: false,
    $cli: {
      command: "deploy",
      rpc: process.env.SST_SERVER,
      paths: { home: workDir, root: REPO_ROOT, work: workDir, platform: PLATFORM_DIR },
      state: { version: {} },
    },
  });
  const shim = await import(join(PLATFORM_DIR, "src", "shim", "run.js"));
  const sst = await import(join(PLATFORM_DIR, "src", "components", "index.ts"));
  Object.assign(globalThis, { ...shim, aws: platformRequire("@pulumi/aws"), sst });
}

/**
 * Runs `program` (typically: import a module from `stacks/` and call it) against mocks and
 * returns what it registered. Builds `.sst/platform` first if this clone has none.
 */
export async function runStack<Outputs>(
  program: () => Outputs | Promise<Outputs>,
  options: RunStackOptions = {},
): Promise<StackRun<Awaited<Outputs>>> {
  const stage = options.stage ?? "test";
  await ensurePlatform();
  rpc ??= await startRpcStub();
  process.env.SST_SERVER = rpc.url;
  const buildsBefore = rpc.builds.length;

  const pulumi = platformRequire("@pulumi/pulumi") as Pulumi;
  const mocks: RecordingMocks = recordingMocks();
  await pulumi.runtime.setMocks(mocks, "fleet", stage, false);
  const resourceOptions = recordResourceOptions(pulumi.runtime);

  const workDir = mkdtempSync(join(tmpdir(), "fleet-sst-work-"));
  try {
    await installGlobals(stage, workDir);
    const { run } = await import(join(PLATFORM_DIR, "src", "auto", "run.ts"));
    const outputs = await withTimeout(
      pulumi.runtime.runInPulumiStack(() => run(program)),
      `stack program did not finish within ${STACK_TIMEOUT_MS} ms`,
    );
    // Components register some children from inside `apply` callbacks: wait until every
    // registration and invoke has settled (Pulumi exports this but types it as internal).
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const resources = [...mocks.resources];
    return {
      outputs: outputs as Awaited<Outputs> & { _protect?: boolean },
      resources,
      options: resourceOptions,
      builds: rpc.builds.slice(buildsBefore),
      ofType: (type) => resources.filter((resource) => resource.type === type),
      one(type, name) {
        const found = resources.filter(
          (resource) => resource.type === type && (name === undefined || resource.name === name),
        );
        if (found.length !== 1) {
          throw new Error(
            `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`,
          );
        }
        return found[0] as RegisteredResource;
      },
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the whole app: `run()` of sst.config.ts, as `sst deploy --stage <stage>` would. */
export async function runApp(options: RunStackOptions = {}) {
  const config = await loadSstConfig();
  return runStack(() => config.run() as Promise<Record<string, unknown>>, options);
}

/** Stops the RPC stub; call from `afterAll` of a test file that used `runStack`. */
export async function stopStackHarness(): Promise<void> {
  await rpc?.close();
  rpc = undefined;
}

async function withTimeout<T>(promise: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), STACK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
