import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";

/** A temp dir for artifacts; removed by the caller. */
export function artifactDir(): string {
  return mkdtempSync(join(tmpdir(), "fleet-artifact-"));
}

/** Writes `<dir>/<name>.tar.gz` holding `files` (path → content) at its root. */
export async function writeArtifact(
  dir: string,
  name: string,
  files: Record<string, string>,
  options: { gzip?: boolean } = {},
): Promise<string> {
  const source = join(dir, `${name}-src`);
  mkdirSync(source, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(source, path, ".."), { recursive: true });
    writeFileSync(join(source, path), content);
  }
  const file = join(dir, `${name}.tar.gz`);
  await create(
    { gzip: options.gzip ?? true, cwd: source, file, portable: true },
    Object.keys(files),
  );
  return file;
}

export const LED_MANIFEST = JSON.stringify({
  name: "led",
  version: "1.2.0",
  start: "node main.js",
});
