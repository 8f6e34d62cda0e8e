import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AppUpdateStep } from "@fleet/core/contracts";
import { create } from "tar";

/** A scratch directory removed by `cleanup`. */
export async function scratchDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "fleet-apps-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Shell start commands of the test apps; each records its pid in the data dir first. */
export const RECORD_PID = 'echo $$ > "$FLEET_APP_DATA_DIR/pid-$FLEET_APP_VERSION"';
export const RUNS_FOREVER = `${RECORD_PID}; exec sleep 600`;
export const EXITS_AT_ONCE = `${RECORD_PID}; echo boom; exit 3`;

/**
 * Builds an app artifact (.tar.gz) in `workDir` from an app.json and extra files; paths of
 * `files` are archive paths, which may be unsafe on purpose (`../escape`).
 */
export async function buildArtifact(
  workDir: string,
  manifest: Record<string, unknown>,
  files: Record<string, string> = {},
  symlinks: Record<string, string> = {},
): Promise<Buffer> {
  const root = join(workDir, `src-${Math.random().toString(16).slice(2)}`, "app");
  await mkdir(root, { recursive: true });
  const entries = { "app.json": JSON.stringify(manifest), ...files };
  for (const [path, content] of Object.entries(entries)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  for (const [path, target] of Object.entries(symlinks)) await symlink(target, join(root, path));
  const file = join(workDir, `${manifest.name}-${manifest.version}-${Date.now()}.tar.gz`);
  await create({ gzip: true, file, cwd: root, preservePaths: true }, [
    ...Object.keys(entries),
    ...Object.keys(symlinks),
  ]);
  return readFile(file);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface ArtifactServer {
  /** Serves `bytes` at `/<name>`; returns its URL. */
  serve(name: string, bytes: Buffer): string;
  /** Headers of every request, in order. */
  readonly requests: IncomingHttpHeaders[];
  /** When false, Range headers are ignored (a 200 with the whole file). */
  honourRange: boolean;
  close(): Promise<void>;
}

/** A loopback HTTP server for artifacts, answering Range requests with 206. */
export async function startArtifactServer(): Promise<ArtifactServer> {
  const files = new Map<string, Buffer>();
  const requests: IncomingHttpHeaders[] = [];
  const state = { honourRange: true };
  const server: Server = createServer((req, res) => {
    requests.push(req.headers);
    const bytes = files.get(req.url ?? "");
    if (!bytes) {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range?.[1] !== undefined && state.honourRange) {
      const start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, {
        "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
        "content-length": bytes.length - start,
      });
      res.end(bytes.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serve(name, bytes) {
      files.set(`/${name}`, bytes);
      return `http://127.0.0.1:${port}/${name}`;
    },
    requests,
    get honourRange() {
      return state.honourRange;
    },
    set honourRange(value) {
      state.honourRange = value;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function appUpdateStep(
  url: string,
  bytes: Buffer,
  app: string,
  version: string,
): AppUpdateStep {
  return { operation: "app-update", app, version, url, sha256: sha256(bytes), size: bytes.length };
}

/** Polls until `read` returns a value (not undefined), failing after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The pid a test app recorded on start, once it has. */
export function recordedPid(appsDir: string, app: string, version: string): Promise<number> {
  const file = join(appsDir, app, "data", `pid-${version}`);
  return eventually(async () => {
    if (!existsSync(file)) return undefined;
    const text = (await readFile(file, "utf8")).trim();
    return text === "" ? undefined : Number(text);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
