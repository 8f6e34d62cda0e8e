import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import {
  APP_MANIFEST_FILE,
  type AppManifest,
  AppManifestSchema,
} from "../contracts/app-artifact.ts";
import type { ContractIssue } from "../contracts/contract-errors.ts";
import { MAX_ARTIFACT_BYTES } from "../contracts/job-document.ts";
import { contractIssues } from "../contracts/parse-message.ts";
import { type AppArtifactProblem, InvalidAppArtifactError } from "../ota/ota-errors.ts";

/** What a release needs to know of an artifact file. */
export interface AppArtifact {
  manifest: AppManifest;
  /** Of the whole `.tar.gz` file, lowercase hex: what the device verifies before installing. */
  sha256: string;
  size: number;
}

/** A manifest is a few lines of JSON; a bigger one is not read into memory. */
const MAX_MANIFEST_BYTES = 64 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Reads an application artifact in one pass: the SHA-256 and size of the file, and its
 * `app.json` (at the archive root), validated with AppManifestSchema. Throws
 * InvalidAppArtifactError naming the file and what is wrong.
 */
export async function readAppArtifact(path: string): Promise<AppArtifact> {
  const fail = (problem: AppArtifactProblem, detail: string, more?: object) =>
    new InvalidAppArtifactError(`${path}: ${detail}`, { file: path, problem, ...more });

  const { size: declared } = await stat(path);
  if (declared > MAX_ARTIFACT_BYTES) {
    throw fail(
      "too-large",
      `${declared} bytes is larger than the ${MAX_ARTIFACT_BYTES} bytes an artifact may have`,
    );
  }

  const hash = createHash("sha256");
  let size = 0;
  let manifestText: Promise<string | null> = Promise.resolve(null);
  /** Set only for a manifest too large to read. */
  let manifestSize = 0;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (isRootManifest(entry) && entry.size <= MAX_MANIFEST_BYTES) {
        manifestText = readEntryText(entry);
        return;
      }
      if (isRootManifest(entry)) manifestSize = entry.size;
      // The parser waits for each entry to be read: every other one is drained.
      entry.resume();
    },
  });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
  });
  // An early parse error must not go unhandled while the file is still being read.
  parsed.catch(() => {});

  // The file is read once: hashed and counted on its way through gunzip to the tar parser.
  // Gunzip is ours, not the parser's: left to itself it would accept an uncompressed tar too.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      if (size === 0 && !(chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1])) {
        throw fail("not-gzip", "not a gzip-compressed file (expected a .tar.gz)");
      }
      hash.update(chunk);
      size += chunk.length;
      if (size > MAX_ARTIFACT_BYTES) {
        throw fail("too-large", `larger than the ${MAX_ARTIFACT_BYTES} bytes an artifact may have`);
      }
      yield chunk;
    }
    if (size === 0) throw fail("not-gzip", "empty file (expected a .tar.gz)");
  }
  async function parse(source: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of source) {
      if (!parser.write(chunk)) await Promise.race([once(parser, "drain"), parsed]);
    }
    parser.end();
    await parsed;
  }

  try {
    await pipeline(counted, createGunzip(), parse);
  } catch (error) {
    if (error instanceof InvalidAppArtifactError) throw error;
    throw archiveError(error, fail);
  }

  if (manifestSize > MAX_MANIFEST_BYTES) {
    throw fail(
      "invalid-manifest",
      `${APP_MANIFEST_FILE} is larger than the ${MAX_MANIFEST_BYTES} bytes a manifest may have`,
    );
  }
  const text = await manifestText;
  if (text === null) {
    throw fail("no-manifest", `no ${APP_MANIFEST_FILE} at the root of the archive`);
  }
  return { manifest: parseManifest(text, fail), sha256: hash.digest("hex"), size };
}

function isRootManifest(entry: ReadEntry): boolean {
  return entry.type === "File" && entry.path.replace(/^\.\//, "") === APP_MANIFEST_FILE;
}

async function readEntryText(entry: ReadEntry): Promise<string> {
  const chunks: Buffer[] = [];
  entry.on("data", (chunk: Buffer) => chunks.push(chunk));
  await once(entry, "end");
  return Buffer.concat(chunks).toString("utf8");
}

type Fail = (problem: AppArtifactProblem, detail: string, more?: object) => InvalidAppArtifactError;

/** zlib errors mean the gzip stream is broken; tar's own (TAR_*) that the tar inside is. */
function archiveError(error: unknown, fail: Fail): InvalidAppArtifactError {
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && code.startsWith("TAR_")) {
    return fail("not-tar", `not a tar archive inside the gzip stream (${detail})`, {
      cause: error,
    });
  }
  return fail("not-gzip", `corrupt gzip data (${detail})`, { cause: error });
}

function parseManifest(text: string, fail: Fail): AppManifest {
  const invalid = (issues: ContractIssue[]) =>
    fail(
      "invalid-manifest",
      `invalid ${APP_MANIFEST_FILE}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`,
      { issues },
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid([{ path: "", message: `not JSON (${(error as Error).message})` }]);
  }
  const result = AppManifestSchema.safeParse(json);
  if (result.success) return result.data;
  throw invalid(contractIssues(result.error));
}
