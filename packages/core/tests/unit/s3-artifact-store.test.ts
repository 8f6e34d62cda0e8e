import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { S3ArtifactStore } from "../../src/adapters/aws/index.ts";
import { artifactDir } from "./app-artifact-file.ts";

const BUCKET = "fleet-dev-artifacts-1a2b3c";
const KEY = `apps/led/1.2.0/${"a".repeat(64)}.tar.gz`;
const REGION = "eu-central-1";
const s3 = new S3Client({ region: "eu-west-1" });
const mock = mockClient(s3);

const notFound = () =>
  new S3ServiceException({
    name: "NotFound",
    $fault: "client",
    $metadata: { httpStatusCode: 404 },
  });

describe("S3ArtifactStore", () => {
  let dir: string;
  beforeEach(() => {
    dir = artifactDir();
    mock.reset();
    mock.on(HeadObjectCommand).rejects(notFound());
    mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(size: number): { path: string; size: number; sha256: string } {
    const path = join(dir, "artifact.tar.gz");
    writeFileSync(path, Buffer.alloc(size, 7));
    return { path, size, sha256: "a".repeat(64) };
  }

  it("uploads a small artifact in one PutObject, encrypted, with its digest as metadata", async () => {
    const store = new S3ArtifactStore({ s3, bucket: BUCKET, region: REGION });
    const sent: number[] = [];

    await store.put(KEY, file(1000), (bytes) => sent.push(bytes));

    const [put] = mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: KEY,
      ContentType: "application/gzip",
      ServerSideEncryption: "AES256",
      Metadata: { sha256: "a".repeat(64) },
    });
    expect(mock.commandCalls(HeadObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: KEY },
    ]);
    expect(sent.at(-1)).toBe(1000);
  });

  it("uploads an artifact larger than the part size in parts", async () => {
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "upload-1" });
    mock.on(UploadPartCommand).resolves({ ETag: '"part"' });
    mock.on(CompleteMultipartUploadCommand).resolves({});
    const store = new S3ArtifactStore({
      s3,
      bucket: BUCKET,
      region: REGION,
      partSize: 5 * 1024 * 1024,
    });
    const sent: number[] = [];

    await store.put(KEY, file(11 * 1024 * 1024), (bytes) => sent.push(bytes));

    expect(mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: BUCKET,
      Key: KEY,
      ServerSideEncryption: "AES256",
    });
    expect(mock.commandCalls(UploadPartCommand)).toHaveLength(3);
    expect(mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(Math.max(...sent)).toBe(11 * 1024 * 1024);
  });

  it("skips the upload when the key already holds an object of that size", async () => {
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1000 });
    const sent: number[] = [];

    await new S3ArtifactStore({ s3, bucket: BUCKET, region: REGION }).put(KEY, file(1000), (b) =>
      sent.push(b),
    );

    expect(mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sent).toEqual([1000]);
  });

  it("turns a refused upload into an access error naming the action", async () => {
    mock
      .on(PutObjectCommand)
      .rejects(new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: {} }));

    await expect(
      new S3ArtifactStore({ s3, bucket: BUCKET, region: REGION }).put(KEY, file(10)),
    ).rejects.toBeInstanceOf(AwsAccessDeniedError);
  });

  it("gives the job document the regional v2 presigned-URL placeholder of the object", () => {
    expect(new S3ArtifactStore({ s3, bucket: BUCKET, region: REGION }).documentUrl(KEY)).toBe(
      `\${aws:iot:s3-presigned-url-v2:https://s3.${REGION}.amazonaws.com/${BUCKET}/${KEY}}`,
    );
  });

  it("URL-encodes each segment of the key in the placeholder, keeping its slashes", () => {
    const store = new S3ArtifactStore({ s3, bucket: BUCKET, region: REGION });

    expect(store.documentUrl("apps/my app/1.0+beta/(x)}.tar.gz")).toBe(
      `\${aws:iot:s3-presigned-url-v2:https://s3.${REGION}.amazonaws.com/${BUCKET}/apps/my%20app/1.0%2Bbeta/%28x%29%7D.tar.gz}`,
    );
  });
});
