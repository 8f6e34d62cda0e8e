import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "../../src/adapters/local-artifact-store.ts";
import { type ArtifactServer, startArtifactServer } from "../../src/artifacts/artifact-server.ts";
import {
  ARTIFACT_URL_KEY_FILE,
  ArtifactUrlSigner,
} from "../../src/artifacts/artifact-url-signer.ts";
import { replacePresignedUrlPlaceholders } from "../../src/artifacts/presigned-url-placeholders.ts";

const KEY = "apps/led/1.0.0/abc.tar.gz";
const CONTENT = Buffer.from("0123456789abcdefghij");

describe("the artifact server and its signed URLs", () => {
  let dir: string;
  let signer: ArtifactUrlSigner;
  let server: ArtifactServer;
  let store: LocalArtifactStore;
  const inAnHour = () => new Date(Date.now() + 3600_000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-artifacts-"));
    signer = await ArtifactUrlSigner.open(dir);
    server = await startArtifactServer({
      stateDir: dir,
      signer,
      logger: pino({ level: "silent" }),
    });
    store = new LocalArtifactStore({ dir: join(dir, "artifacts"), origin: server.origin });
    const source = join(dir, "upload.tar.gz");
    await writeFile(source, CONTENT);
    await store.put(KEY, { path: source, size: CONTENT.length, sha256: "abc" });
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const signedUrl = (expiresAt = inAnHour()) => {
    const placeholder = store.documentUrl(KEY);
    const { url } = replacePresignedUrlPlaceholders({ url: placeholder }, (unsigned) =>
      signer.sign(unsigned, expiresAt, server.origin),
    );
    return url;
  };

  it("keeps its signing secret private in the state directory", async () => {
    expect((await stat(join(dir, ARTIFACT_URL_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it("replaces regional v2 presigned-URL placeholders in a document without touching the stored one", () => {
    const document = { version: "1", steps: [{ url: store.documentUrl(KEY), sha256: "abc" }] };
    const delivered = replacePresignedUrlPlaceholders(document, (url) => `signed:${url}`);
    expect(document.steps[0]?.url).toBe(
      `\${aws:iot:s3-presigned-url-v2:${server.origin}/artifacts/${KEY}}`,
    );
    expect(delivered.steps[0]).toEqual({
      url: `signed:${server.origin}/artifacts/${KEY}`,
      sha256: "abc",
    });
  });

  it("still resolves the legacy placeholder of documents stored before the v2 form", () => {
    const legacy = `\${aws:iot:s3-presigned-url:${server.origin}/artifacts/${KEY}}`;

    expect(replacePresignedUrlPlaceholders({ url: legacy }, (url) => `signed:${url}`)).toEqual({
      url: `signed:${server.origin}/artifacts/${KEY}`,
    });
  });

  it("serves the whole artifact and byte ranges of it to a signed URL", async () => {
    const url = signedUrl();
    expect(url).toMatch(/\?expires=\d+&signature=[0-9a-f]{64}$/);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(CONTENT);

    const tail = await fetch(url, { headers: { Range: "bytes=15-" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes 15-19/${CONTENT.length}`);
    expect(await tail.text()).toBe("fghij");

    const beyond = await fetch(url, { headers: { Range: "bytes=50-60" } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${CONTENT.length}`);
  });

  it("refuses an expired URL with 403 and the reason", async () => {
    const response = await fetch(signedUrl(new Date(Date.now() - 1000)));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("expired") });
  });

  it("refuses a tampered signature, or a URL for another key, with 403", async () => {
    const url = new URL(signedUrl());
    const signature = url.searchParams.get("signature") ?? "";
    url.searchParams.set(
      "signature",
      `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`,
    );
    const tampered = await fetch(url);
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toMatchObject({ error: "the signature does not match" });

    await mkdir(join(dir, "artifacts", "other"), { recursive: true });
    await writeFile(join(dir, "artifacts", "other", "file"), "x");
    const moved = new URL(signedUrl());
    moved.pathname = "/artifacts/other/file";
    expect((await fetch(moved)).status).toBe(403);
    expect((await fetch(`${server.origin}/artifacts/${KEY}`)).status).toBe(403);
  });
});
