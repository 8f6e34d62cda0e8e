import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { AppManifestSchema } from "@fleet/core/contracts";
import { list } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppBuildError, buildApp } from "../../scripts/build-app.ts";
import { buildApps } from "../../scripts/build-apps.ts";

const APPS = resolve(import.meta.dirname, "../../apps");

/** Each entry path of a `.tar.gz`, and the text of the ones named in `read`. */
async function entriesOf(file: string, read: readonly string[] = []) {
  const paths: string[] = [];
  const texts = new Map<string, string>();
  await list({
    file,
    onReadEntry: (entry) => {
      paths.push(entry.path);
      if (!read.includes(entry.path)) return entry.resume();
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => texts.set(entry.path, Buffer.concat(chunks).toString("utf8")));
    },
  });
  return { paths, texts };
}

describe("build:apps", () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), "build-apps-"));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it("builds the LED, button and corrupt apps into artifacts with a valid app.json at the root", async () => {
    const built = await buildApps(APPS, out);

    expect(built.map((app) => basename(app.file)).sort()).toEqual([
      "button-1.0.0.tar.gz",
      "led-1.0.0.tar.gz",
      "led-2.0.0.tar.gz",
    ]);
    for (const app of built) {
      const bytes = readFileSync(app.file);
      expect(app.size).toBe(bytes.length);
      expect(app.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      const { paths, texts } = await entriesOf(app.file, ["app.json", "package.json"]);
      const manifest = AppManifestSchema.parse(JSON.parse(texts.get("app.json") ?? ""));
      expect(manifest).toMatchObject({ name: app.name, version: app.version });
      // The shared bus client ships inside every artifact, resolved through `#lib/*`.
      expect(paths).toContain("lib/bus-client.js");
      expect(JSON.parse(texts.get("package.json") ?? "")).toMatchObject({
        type: "module",
        imports: { "#lib/*": "./lib/*" },
      });
    }
    const corrupt = built.find((app) => app.version === "2.0.0");
    expect(corrupt?.name).toBe("led");
  });

  it("builds a release of an app under another version on request", async () => {
    const built = await buildApp(join(APPS, "led"), out, { version: "1.0.1" });
    expect(basename(built.file)).toBe("led-1.0.1.tar.gz");
    const { texts } = await entriesOf(built.file, ["app.json"]);
    expect(JSON.parse(texts.get("app.json") ?? "")).toMatchObject({
      name: "led",
      version: "1.0.1",
    });
  });

  it("gives the same bytes for the same sources", async () => {
    const first = await buildApp(join(APPS, "button"), join(out, "a"));
    const second = await buildApp(join(APPS, "button"), join(out, "b"));
    expect(second.sha256).toBe(first.sha256);
  });

  it("refuses an app.json that is not a valid manifest, naming the file and the field", async () => {
    const appDir = join(out, "src", "broken");
    mkdirSync(appDir, { recursive: true });
    mkdirSync(join(out, "src", "lib"));
    writeFileSync(join(appDir, "app.json"), JSON.stringify({ name: "Broken!", version: "1" }));

    const build = buildApp(appDir, join(out, "dist"));

    await expect(build).rejects.toThrow(AppBuildError);
    await expect(build).rejects.toThrow(join(appDir, "app.json"));
    await expect(build).rejects.toThrow(/name: .*start: /);
  });
});
