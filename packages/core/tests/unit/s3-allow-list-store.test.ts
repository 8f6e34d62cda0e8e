import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { S3AllowListStore } from "../../src/adapters/aws/index.ts";
import { ALLOW_LIST_OBJECT_KEY } from "../../src/contracts/index.ts";
import type { StoredAllowList } from "../../src/ports/index.ts";
import { describeAllowListStore } from "../port-suites/index.ts";
import { stubHttpHandler, TEST_CREDENTIALS } from "./fakes/stub-http-handler.ts";

const BUCKET = "fleet-dev-allow-list-1a2b3c";
const s3 = new S3Client({ region: "eu-west-1" });
const mock = mockClient(s3);
const encoder = new TextEncoder();

interface ObjectVersion {
  versionId: string;
  body: Uint8Array;
  metadata: Record<string, string>;
  contentType: string | undefined;
}

/**
 * A versioned bucket behind aws-sdk-client-mock: each PutObject adds a version, GetObject
 * streams the latest in 64 KiB chunks (as the SDK's Node stream does) or answers NoSuchKey.
 */
function inMemoryBucket(): ObjectVersion[] {
  const versions: ObjectVersion[] = [];
  mock.reset();
  mock.on(PutObjectCommand).callsFake(async (input) => {
    const body = input.Body as Uint8Array;
    const versionId = `v${versions.length + 1}.${createHash("sha256").update(body).digest("hex").slice(0, 8)}`;
    versions.push({
      versionId,
      body: Uint8Array.from(body),
      metadata: { ...input.Metadata },
      contentType: input.ContentType,
    });
    return { VersionId: versionId, ETag: `"${versionId}"` };
  });
  mock.on(GetObjectCommand).callsFake(async () => {
    const latest = versions.at(-1);
    if (latest === undefined)
      throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < latest.body.length; i += 65_536)
      chunks.push(latest.body.subarray(i, i + 65_536));
    return {
      VersionId: latest.versionId,
      ContentLength: latest.body.length,
      Metadata: latest.metadata,
      Body: Readable.from(chunks) as unknown as GetObjectCommandOutput["Body"],
    };
  });
  return versions;
}

async function text(stored: StoredAllowList | null): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stored?.body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

describeAllowListStore(
  "S3AllowListStore (aws-sdk-client-mock over an in-memory versioned bucket)",
  async () => {
    inMemoryBucket();
    return { store: new S3AllowListStore({ s3, bucket: BUCKET }) };
  },
);

describe("S3AllowListStore", () => {
  let versions: ObjectVersion[];
  const store = new S3AllowListStore({ s3, bucket: BUCKET });
  beforeEach(() => {
    versions = inMemoryBucket();
  });

  it("puts the list as the allow-list object with its content type and allow-empty metadata", async () => {
    const body = encoder.encode("device-0001\n");

    const { version } = await store.write(body, { allowEmpty: false });

    expect(mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: BUCKET,
        Key: ALLOW_LIST_OBJECT_KEY,
        Body: body,
        ContentType: "text/plain; charset=utf-8",
        Metadata: { "allow-empty": "false" },
      },
    ]);
    expect(version).toBe(versions[0]?.versionId);
  });

  it("labels a JSON list as JSON, even after a byte order mark", async () => {
    await store.write(encoder.encode('\uFEFF  {"serials":["device-0001"]}'), { allowEmpty: false });
    await store.write(encoder.encode('["device-0001"]'), { allowEmpty: false });

    expect(versions.map((v) => v.contentType)).toEqual(["application/json", "application/json"]);
  });

  it("records a confirmed empty list in the object's metadata", async () => {
    await store.write(new Uint8Array(0), { allowEmpty: true });

    expect(versions[0]?.metadata).toEqual({ "allow-empty": "true" });
  });

  it("gets the current object of the configured key and reports its version and size", async () => {
    const custom = new S3AllowListStore({ s3, bucket: BUCKET, key: "lists/allow-list.csv" });
    await custom.write(encoder.encode("device-0001\n"), { allowEmpty: false });

    const stored = await custom.read();

    expect(mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: "lists/allow-list.csv" },
    ]);
    expect(stored).toMatchObject({ version: versions[0]?.versionId, size: 12, allowEmpty: false });
  });

  it("falls back to the ETag when the bucket is not versioned", async () => {
    mock.on(PutObjectCommand).resolves({ ETag: '"etag-1"' });
    mock.on(GetObjectCommand).resolves({
      VersionId: "null",
      ETag: '"etag-1"',
      Body: Readable.from([]) as unknown as GetObjectCommandOutput["Body"],
    });

    expect(await store.write(encoder.encode("device-0001\n"), { allowEmpty: false })).toEqual({
      version: '"etag-1"',
    });
    expect(await store.read()).toMatchObject({ version: '"etag-1"', size: null });
  });

  it("names the refused operation when the bucket policy denies the read", async () => {
    mock
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));

    const error = await store.read().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows s3:GetObject$/);
  });

  it("passes other S3 failures through unchanged", async () => {
    const failure = Object.assign(new Error("bucket gone"), { name: "NoSuchBucket" });
    mock.on(PutObjectCommand).rejects(failure);

    await expect(store.write(encoder.encode("x"), { allowEmpty: false })).rejects.toBe(failure);
  });
});

describe("S3AllowListStore on a real S3 client", () => {
  it("streams the body the SDK deserialises and reads the metadata header", async () => {
    const { handler, requests } = stubHttpHandler(() => ({
      statusCode: 200,
      headers: {
        "content-type": "text/plain",
        "content-length": "24",
        "x-amz-version-id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        "x-amz-meta-allow-empty": "true",
      },
      body: Readable.from([Buffer.from("device-0001\n"), Buffer.from("device-0002\n")]),
    }));
    const real = new S3AllowListStore({
      s3: new S3Client({
        region: "eu-west-1",
        credentials: TEST_CREDENTIALS,
        requestHandler: handler,
      }),
      bucket: BUCKET,
    });

    const stored = await real.read();

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /${ALLOW_LIST_OBJECT_KEY}`]);
    expect(stored).toMatchObject({
      version: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
      size: 24,
      allowEmpty: true,
    });
    expect(await text(stored)).toBe("device-0001\ndevice-0002\n");
  });
});
