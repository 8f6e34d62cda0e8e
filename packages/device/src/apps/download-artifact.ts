import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppUpdateStep } from "@fleet/core/contracts";
import { errorText } from "../error-text.ts";
import { ArtifactDownloadError, ArtifactIntegrityError } from "./app-errors.ts";

/** Default: a download that receives no bytes for this long is abandoned (the part file stays). */
export const DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;
/** Progress is reported at most this often. */
const PROGRESS_INTERVAL_MS = 1_000;

export interface DownloadOptions {
  step: AppUpdateStep;
  partFile: string;
  /** Abort when no bytes arrive for this long. */
  idleTimeoutMs: number;
  onProgress(received: number, total: number): Promise<void> | void;
}

/**
 * Fetches the artifact into `partFile`, continuing a previous partial download with an HTTP
 * Range request. Never writes more than `step.size` bytes. Returns when the part file holds
 * `step.size` bytes; integrity is checked separately by `verifyArtifact`.
 */
export async function downloadArtifact(options: DownloadOptions): Promise<void> {
  const { step, partFile } = options;
  const fail = (message: string, cause?: unknown) =>
    new ArtifactDownloadError(
      `download failed: ${message}`,
      { app: step.app, version: step.version, url: redactUrl(step.url) },
      { cause },
    );
  await mkdir(dirname(partFile), { recursive: true, mode: 0o700 });

  let offset = await sizeOf(partFile);
  if (offset > step.size) {
    await rm(partFile, { force: true });
    offset = 0;
  }
  if (offset === step.size) return;

  const abort = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(), options.idleTimeoutMs);
  };
  armIdle();
  try {
    let response = await fetchFrom(step.url, offset, abort.signal);
    if (response.status === 416 && offset > 0) {
      // The server disagrees about what we hold: start over rather than trust the part file.
      await response.body?.cancel();
      offset = 0;
      response = await fetchFrom(step.url, 0, abort.signal);
    }
    if (response.status === 206) {
      const start = contentRangeStart(response.headers.get("content-range"));
      if (start !== null && start !== offset) {
        await response.body?.cancel();
        throw fail(`server resumed at byte ${start}, expected ${offset}`);
      }
    } else if (response.ok) {
      offset = 0; // a 200 is the whole artifact again: the server ignored the Range
    } else {
      await response.body?.cancel();
      throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    if (!response.body) throw fail("empty response body");

    const file = await open(partFile, offset === 0 ? "w" : "a", 0o600);
    let received = offset;
    let lastProgress = Date.now();
    try {
      for await (const chunk of response.body) {
        armIdle();
        received += chunk.byteLength;
        if (received > step.size) {
          await file.close();
          await rm(partFile, { force: true });
          throw fail(`artifact is larger than the announced ${step.size} bytes`);
        }
        await file.write(chunk);
        const now = Date.now();
        if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          await options.onProgress(received, step.size);
        }
      }
    } finally {
      await file.close().catch(() => undefined);
    }
    await options.onProgress(received, step.size);
  } catch (error) {
    if (error instanceof ArtifactDownloadError) throw error;
    const message = abort.signal.aborted
      ? `no data for ${options.idleTimeoutMs} ms`
      : errorText(error);
    throw fail(message, error);
  } finally {
    clearTimeout(idle);
  }
}

/**
 * Checks the part file's size and SHA-256 against the job before anything is unpacked; on a
 * mismatch the part file is deleted so a retry downloads afresh.
 */
export async function verifyArtifact(step: AppUpdateStep, partFile: string): Promise<void> {
  const fields = { app: step.app, version: step.version };
  const size = await sizeOf(partFile);
  if (size !== step.size) {
    await rm(partFile, { force: true });
    throw new ArtifactIntegrityError(`size mismatch: expected ${step.size} bytes, got ${size}`, {
      ...fields,
      expected: String(step.size),
      actual: String(size),
    });
  }
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(partFile)) hash.update(chunk);
  const actual = hash.digest("hex");
  if (actual !== step.sha256.toLowerCase()) {
    await rm(partFile, { force: true });
    throw new ArtifactIntegrityError(`sha256 mismatch: expected ${step.sha256}, got ${actual}`, {
      ...fields,
      expected: step.sha256,
      actual,
    });
  }
}

function fetchFrom(url: string, offset: number, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  return fetch(url, { headers, signal, redirect: "follow" });
}

function contentRangeStart(header: string | null): number | null {
  const match = header === null ? null : /^bytes (\d+)-/.exec(header);
  return match?.[1] === undefined ? null : Number(match[1]);
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** Presigned URLs carry a signature in the query: keep it out of errors and logs. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
