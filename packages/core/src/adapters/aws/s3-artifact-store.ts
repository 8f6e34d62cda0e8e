import { createReadStream } from "node:fs";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { presignedUrlPlaceholder, s3ObjectUrl } from "../../contracts/presigned-url-placeholder.ts";
import type { ArtifactStore } from "../../ports/ota.ts";
import { errorName, mapAwsError, S3_SERVICE } from "./aws-errors.ts";

export interface S3ArtifactStoreOptions {
  s3: S3Client;
  /** The stage's artifact bucket, named in SSM `artifactBucketParameter`. */
  bucket: string;
  /** The bucket's region: job documents name the object by its regional URL. */
  region: string;
  /** Multipart part size in bytes. Default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Object metadata (`x-amz-meta-sha256`): the artifact's digest, for operators reading S3. */
export const SHA256_METADATA = "sha256";

/**
 * Release artifacts in the stage's artifact bucket. Keys name their content (they hold the
 * SHA-256), so an object already there with the same size is not uploaded again.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #region: string;
  readonly #partSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    this.#s3 = options.s3;
    this.#bucket = options.bucket;
    this.#region = options.region;
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
  }

  async put(
    key: string,
    file: { path: string; size: number; sha256: string },
    onProgress?: (sentBytes: number) => void,
  ): Promise<void> {
    if ((await this.#storedSize(key)) === file.size) {
      onProgress?.(file.size);
      return;
    }
    // One PutObject below the part size, a multipart upload above it.
    const upload = new Upload({
      client: this.#s3,
      partSize: this.#partSize,
      queueSize: 4,
      leavePartsOnError: false,
      params: {
        Bucket: this.#bucket,
        Key: key,
        Body: createReadStream(file.path),
        ContentType: "application/gzip",
        ServerSideEncryption: "AES256",
        Metadata: { [SHA256_METADATA]: file.sha256 },
      },
    });
    upload.on("httpUploadProgress", (progress) => {
      if (progress.loaded !== undefined) onProgress?.(progress.loaded);
    });
    try {
      await upload.done();
    } catch (error) {
      throw mapAwsError(S3_SERVICE, "PutObject", error);
    }
  }

  /** IoT Jobs replaces this with a URL presigned by the stage's presign role on delivery. */
  documentUrl(key: string): string {
    return presignedUrlPlaceholder(
      s3ObjectUrl({ region: this.#region, bucket: this.#bucket, key }),
    );
  }

  /** null: no such object (HeadObject answers a bare 404, `NotFound`). */
  async #storedSize(key: string): Promise<number | null> {
    try {
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return head.ContentLength ?? null;
    } catch (error) {
      if (errorName(error) === "NotFound") return null;
      throw mapAwsError(S3_SERVICE, "HeadObject", error);
    }
  }
}
