// Builds app artifacts (.tar.gz with app.json at the root) for release tests.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";

/** Writes `<dir>/<name>.tar.gz` holding `app.json` (the given manifest, as JSON) and `main.js`. */
export async function writeAppArtifact(manifest: unknown, name = "app"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fleet-artifact-"));
  const content = join(dir, "content");
  await mkdir(content);
  await writeFile(join(content, "app.json"), JSON.stringify(manifest));
  await writeFile(join(content, "main.js"), "setInterval(() => {}, 1000);\n");
  const file = join(dir, `${name}.tar.gz`);
  await create({ gzip: true, cwd: content, file, portable: true }, ["app.json", "main.js"]);
  return file;
}
