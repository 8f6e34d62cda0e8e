import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ALLOW_LIST_OBJECT_KEY } from "../../contracts/stage-resources.ts";
import { FleetError } from "../../errors.ts";
import type {
  AllowListStore,
  AllowListWriteOptions,
  StoredAllowList,
} from "../../ports/allow-list-store.ts";
import { callAws, errorName, mapAwsError, S3_SERVICE } from "./aws-errors.ts";

export interface S3AllowListStoreOptions {
  s3: S3Client;
  /** The stage's allow-list bucket (versioned), named in SSM `allowListBucketParameter`. */
  bucket: string;
  /** Default ALLOW_LIST_OBJECT_KEY: the key the reconcile notification filters on. */
  key?: string;
}

/** Object metadata (`x-amz-meta-allow-empty`) carrying the uploader's empty-list confirmation. */
export const ALLOW_EMPTY_METADATA = "allow-empty";
/** Object metadata (`x-amz-meta-revocations-confirmed`): the upload passed the revocation guard. */
export const REVOCATIONS_CONFIRMED_METADATA = "revocations-confirmed";

/** The allow-list as one object of the stage's versioned bucket: each upload is a new version. */
export class S3AllowListStore implements AllowListStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #key: string;

  constructor(options: S3AllowListStoreOptions) {
    this.#s3 = options.s3;
    this.#bucket = options.bucket;
    this.#key = options.key ?? ALLOW_LIST_OBJECT_KEY;
  }

  async read(): Promise<StoredAllowList | null> {
    let reply: GetObjectCommandOutput;
    try {
      reply = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key }));
    } catch (error) {
      // No upload yet (or the current version is a delete marker).
      if (errorName(error) === "NoSuchKey") return null;
      throw mapAwsError(S3_SERVICE, "GetObject", error);
    }
    return {
      version: objectVersion(reply),
      body: chunks(reply.Body),
      size: reply.ContentLength ?? null,
      allowEmpty: reply.Metadata?.[ALLOW_EMPTY_METADATA] === "true",
      revocationsConfirmed: reply.Metadata?.[REVOCATIONS_CONFIRMED_METADATA] === "true",
    };
  }

  async write(body: Uint8Array, options: AllowListWriteOptions): Promise<{ version: string }> {
    const reply = await callAws(S3_SERVICE, "PutObject", () =>
      this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key,
          Body: body,
          ContentType: contentType(body),
          Metadata: {
            [ALLOW_EMPTY_METADATA]: String(options.allowEmpty),
            ...(options.revocationsConfirmed === true
              ? { [REVOCATIONS_CONFIRMED_METADATA]: "true" }
              : {}),
          },
        }),
      ),
    );
    return { version: objectVersion(reply) };
  }
}

/**
 * The VersionId of a versioned bucket; the ETag (a content hash) if versioning is off or
 * suspended, where every object is version "null" and so could not tell uploads apart.
 */
function objectVersion(reply: {
  VersionId?: string | undefined;
  ETag?: string | undefined;
}): string {
  const version = reply.VersionId !== "null" ? (reply.VersionId ?? reply.ETag) : reply.ETag;
  if (version === undefined) throw new FleetError("S3 answered without a VersionId or an ETag");
  return version;
}

/** A JSON list (array or `{ "serials": [...] }`) or a text/CSV one, by its first character. */
function contentType(body: Uint8Array): string {
  const text = new TextDecoder()
    .decode(body.subarray(0, 64))
    .replace(/^\uFEFF/, "")
    .trimStart();
  return text.startsWith("[") || text.startsWith("{")
    ? "application/json"
    : "text/plain; charset=utf-8";
}

/** Node's SDK hands the body as a Readable stream, which is async-iterable; absent means empty. */
async function* chunks(body: unknown): AsyncIterable<Uint8Array> {
  if (body === undefined) return;
  if (typeof body !== "object" || body === null || !(Symbol.asyncIterator in body)) {
    throw new TypeError("S3 GetObject body is not a stream (this adapter runs on Node.js)");
  }
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
  }
}
