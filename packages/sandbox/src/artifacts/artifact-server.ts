import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import parseRange from "range-parser";
import { listen } from "../listen.ts";
import { ARTIFACTS_PATH, type ArtifactUrlSigner } from "./artifact-url-signer.ts";

/** `<stateDir>/artifacts/`: where the local artifact store keeps artifacts, by key. */
export const ARTIFACTS_DIR = "artifacts";

/** Artifact keys: slash-separated segments of [A-Za-z0-9._-], none of them `.` or `..`. */
const KEY = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export function isArtifactKey(key: string): boolean {
  return KEY.test(key);
}

export interface ArtifactServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * The sandbox's stand-in for S3 behind presigned URLs: HTTP on loopback serving
 * `<stateDir>/artifacts/<key>` at `/artifacts/<key>` to GET and HEAD with a valid unexpired
 * signature only (403 with the reason otherwise), with single byte ranges (206, or 416 with
 * `Content-Range: bytes *\/<size>` when unsatisfiable) so devices resume downloads.
 */
export async function startArtifactServer(options: {
  stateDir: string;
  signer: ArtifactUrlSigner;
  logger: Logger;
  clock?: () => Date;
  host?: string;
}): Promise<ArtifactServer> {
  const { stateDir, signer, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const host = options.host ?? "127.0.0.1";
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, "artifact request failed");
      if (!response.headersSent) reply(response, 500, "internal error");
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      return reply(response, 405, "only GET and HEAD");
    }
    const url = new URL(request.url ?? "/", "http://artifacts");
    if (!url.pathname.startsWith(ARTIFACTS_PATH)) return reply(response, 404, "no such path");
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(ARTIFACTS_PATH.length));
    } catch {
      return reply(response, 400, "the key is not valid percent-encoding");
    }
    if (!isArtifactKey(key)) return reply(response, 400, "not an artifact key");
    const check = signer.check(
      key,
      url.searchParams.get("expires"),
      url.searchParams.get("signature"),
      clock(),
    );
    if (!check.ok) {
      logger.info({ key, reason: check.reason }, "artifact request refused");
      return reply(response, 403, check.reason);
    }
    const path = join(stateDir, ARTIFACTS_DIR, key);
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) return reply(response, 404, `no artifact ${key}`);
      size = info.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return reply(response, 404, `no artifact ${key}`);
      }
      throw error;
    }
    response.setHeader("Accept-Ranges", "bytes");
    response.setHeader("Content-Type", "application/octet-stream");
    let start = 0;
    let end = size - 1;
    const rangeHeader = request.headers.range;
    if (rangeHeader !== undefined) {
      const ranges = parseRange(size, rangeHeader, { combine: true });
      if (ranges === -1 || (Array.isArray(ranges) && ranges.length !== 1)) {
        response.setHeader("Content-Range", `bytes */${size}`);
        return reply(response, 416, `range not satisfiable for ${size} bytes`);
      }
      // -2: a malformed header, which HTTP says to ignore (serve the whole file).
      if (Array.isArray(ranges) && ranges[0] !== undefined) {
        ({ start, end } = ranges[0]);
        response.statusCode = 206;
        response.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
      }
    }
    response.setHeader("Content-Length", String(Math.max(0, end - start + 1)));
    if (request.method === "HEAD" || size === 0) {
      response.end();
      return;
    }
    const stream = createReadStream(path, { start, end });
    stream.on("error", (error) => {
      logger.error({ err: error, key }, "artifact read failed");
      response.destroy(error);
    });
    stream.pipe(response);
  }

  const port = await listen(server, 0, host);
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(response: ServerResponse, status: number, reason: string): void {
  response.statusCode = status;
  response.setHeader("Content-Type", "application/json");
  response.end(JSON.stringify({ error: reason }));
}
