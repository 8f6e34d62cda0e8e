import { createHash } from "node:crypto";
import { readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_ARTIFACT_BYTES } from "../../src/contracts/job-document.ts";
import { InvalidAppArtifactError } from "../../src/ota/ota-errors.ts";
import { readAppArtifact } from "../../src/use-cases/read-app-artifact.ts";
import { artifactDir, LED_MANIFEST, writeArtifact } from "./app-artifact-file.ts";

async function failure(path: string): Promise<InvalidAppArtifactError> {
  const error = await readAppArtifact(path).then(
    () => new Error("expected the artifact to be refused"),
    (error: unknown) => error,
  );
  if (error instanceof InvalidAppArtifactError) return error;
  throw error;
}

describe("readAppArtifact", () => {
  let dir: string;
  beforeEach(() => {
    dir = artifactDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("returns the manifest, the SHA-256 and the size of the whole file", async () => {
    const file = await writeArtifact(dir, "led", { "app.json": LED_MANIFEST, "main.js": "1;" });
    const bytes = readFileSync(file);

    const artifact = await readAppArtifact(file);

    expect(artifact).toEqual({
      manifest: { name: "led", version: "1.2.0", start: "node main.js" },
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    });
  });

  it("accepts app.json written as ./app.json", async () => {
    const file = await writeArtifact(dir, "led", { "./app.json": LED_MANIFEST });

    expect((await readAppArtifact(file)).manifest.name).toBe("led");
  });

  it("refuses a file that is not gzip-compressed, naming the file", async () => {
    const file = join(dir, "plain.tar.gz");
    writeFileSync(file, "hello");

    const error = await failure(file);

    expect(error.problem).toBe("not-gzip");
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
  });

  it("refuses a plain tar without gzip compression", async () => {
    const file = await writeArtifact(dir, "led", { "app.json": LED_MANIFEST }, { gzip: false });

    expect((await failure(file)).problem).toBe("not-gzip");
  });

  it("refuses gzip data that does not hold a tar archive", async () => {
    const file = join(dir, "text.tar.gz");
    writeFileSync(file, gzipSync(Buffer.from("just some text, not a tar archive\n".repeat(40))));

    expect((await failure(file)).problem).toBe("not-tar");
  });

  it("refuses an archive without app.json at its root, even with one in a subdirectory", async () => {
    const file = await writeArtifact(dir, "led", { "sub/app.json": LED_MANIFEST });

    const error = await failure(file);

    expect(error.problem).toBe("no-manifest");
    expect(error.message).toBe(`${file}: no app.json at the root of the archive`);
  });

  it("names each invalid manifest field and what was expected", async () => {
    const file = await writeArtifact(dir, "bad", {
      "app.json": JSON.stringify({ name: "LED!", version: "1.0", start: " " }),
    });

    const error = await failure(file);

    expect(error.problem).toBe("invalid-manifest");
    expect(error.issues.map((issue) => issue.path)).toEqual(["name", "start"]);
    expect(error.message).toContain("name: an app name is 1-64 characters");
    expect(error.message).toContain("start: expected the command line that starts the app");
  });

  it("refuses an artifact larger than the limit without reading it", async () => {
    const file = join(dir, "huge.tar.gz");
    writeFileSync(file, "");
    // Sparse: no disk space used.
    truncateSync(file, MAX_ARTIFACT_BYTES + 1);

    const error = await failure(file);

    expect(error.problem).toBe("too-large");
    expect(error.message).toContain(`larger than the ${MAX_ARTIFACT_BYTES} bytes`);
  });

  it("refuses a manifest that is not JSON", async () => {
    const file = await writeArtifact(dir, "bad", { "app.json": "{name: led" });

    const error = await failure(file);

    expect(error.problem).toBe("invalid-manifest");
    expect(error.message).toContain("not JSON");
  });
});
