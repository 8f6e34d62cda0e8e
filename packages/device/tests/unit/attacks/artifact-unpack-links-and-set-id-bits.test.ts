import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { AppUpdateStep } from "@fleet/core/contracts";
import { Header, list } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { unpackArtifact } from "../../../src/apps/unpack-artifact.ts";
import { scratchDir } from "../apps/app-fixtures.ts";

/** One entry of a hand-made tarball: what an attacker's archiver may write, not what tar makes. */
interface CraftedEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link";
  linkpath?: string;
  mode?: number;
  body?: string;
}

const MANIFEST: CraftedEntry = {
  path: "app.json",
  body: JSON.stringify({ name: "led", version: "1.0.0", start: "exit 0" }),
};

/** A .tar.gz of `entries` in this order, headers written field by field. */
function craftTarball(entries: readonly CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const type = entry.type ?? "File";
    const header = new Header({
      path: entry.path,
      type,
      linkpath: entry.linkpath ?? "",
      mode: entry.mode ?? (type === "Directory" ? 0o755 : 0o644),
      size: type === "File" ? body.length : 0,
      mtime: new Date("2026-12-01T00:00:00Z"),
      // The unpacker's own ids: tar then skips chown, which would clear the set-id bits.
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    });
    header.encode();
    blocks.push(header.block as Buffer);
    if (type === "File") {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const STEP: AppUpdateStep = {
  operation: "app-update",
  app: "led",
  version: "1.0.0",
  url: "https://artifacts.example/led.tar.gz",
  sha256: "0".repeat(64),
  size: 1,
};

describe("unpacking an app artifact", () => {
  let work: Awaited<ReturnType<typeof scratchDir>>;
  beforeEach(async () => {
    work = await scratchDir();
  });
  afterEach(() => work.cleanup());

  async function unpack(entries: readonly CraftedEntry[]) {
    const tarball = join(work.dir, "artifact.tar.gz");
    await writeFile(tarball, craftTarball(entries));
    const versionDir = join(work.dir, "apps", "led", "1.0.0");
    const result = unpackArtifact({
      step: STEP,
      tarball,
      stagingDir: join(work.dir, "apps", "led", ".staging"),
      versionDir,
    });
    return { result, versionDir, tarball };
  }

  it("refuses `a -> .` then `b -> a/..`: each target looks inside alone, b resolves outside", async () => {
    const { result, versionDir } = await unpack([
      MANIFEST,
      { path: "a", type: "SymbolicLink", linkpath: "." },
      { path: "b", type: "SymbolicLink", linkpath: "a/.." },
    ]);
    await expect(result).rejects.toThrow(
      'unsafe artifact entry "b": symbolic link to "a/.." leaves the app directory',
    );
    expect(existsSync(versionDir)).toBe(false);
  });

  it("refuses the same escape with the links in the other order", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "b", type: "SymbolicLink", linkpath: "a/.." },
      { path: "a", type: "SymbolicLink", linkpath: "." },
    ]);
    await expect(result).rejects.toThrow(
      'unsafe artifact entry "b": symbolic link to "a/.." leaves the app directory',
    );
  });

  it("refuses an escape through a chain of links in subdirectories", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "lib", type: "Directory" },
      { path: "lib/up", type: "SymbolicLink", linkpath: ".." },
      { path: "lib/here", type: "SymbolicLink", linkpath: "up/lib" },
      { path: "lib/out", type: "SymbolicLink", linkpath: "here/../../x" },
    ]);
    await expect(result).rejects.toThrow(
      'unsafe artifact entry "lib/out": symbolic link to "here/../../x" leaves the app directory',
    );
  });

  it("refuses links that loop", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "x", type: "SymbolicLink", linkpath: "y" },
      { path: "y", type: "SymbolicLink", linkpath: "x" },
    ]);
    await expect(result).rejects.toThrow('unsafe artifact entry "x": symbolic link to "y" loops');
  });

  it("refuses an entry written through a symbolic link", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "conf", type: "SymbolicLink", linkpath: "." },
      { path: "conf/evil.sh", body: "echo" },
    ]);
    await expect(result).rejects.toThrow(
      'unsafe artifact entry "conf/evil.sh": path goes through the symbolic link "conf"',
    );
  });

  it("refuses a hard link to a symbolic link, which would resolve from its new place", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "sub", type: "Directory" },
      { path: "sub/s", type: "SymbolicLink", linkpath: "../app.json" },
      { path: "h", type: "Link", linkpath: "sub/s" },
    ]);
    await expect(result).rejects.toThrow(
      'unsafe artifact entry "h": hard link to "sub/s", a symbolic link',
    );
  });

  it("refuses a symbolic link that is redefined later in the archive", async () => {
    const { result } = await unpack([
      MANIFEST,
      { path: "d", type: "SymbolicLink", linkpath: "." },
      { path: "d", type: "Directory" },
    ]);
    await expect(result).rejects.toThrow(
      `unsafe artifact entry "d": a symbolic link's path appears twice`,
    );
  });

  it("installs links that resolve inside, `..` through real directories included", async () => {
    const { result, versionDir } = await unpack([
      MANIFEST,
      { path: "bin", type: "Directory" },
      { path: "bin/run.sh", body: "echo", mode: 0o755 },
      { path: "run", type: "SymbolicLink", linkpath: "bin/run.sh" },
      { path: "bin/manifest", type: "SymbolicLink", linkpath: "../app.json" },
      { path: "top", type: "SymbolicLink", linkpath: "bin/.." },
    ]);
    await expect(result).resolves.toMatchObject({ name: "led", version: "1.0.0" });
    expect(readlinkSync(join(versionDir, "run"))).toBe("bin/run.sh");
    expect(lstatSync(join(versionDir, "bin", "manifest")).isSymbolicLink()).toBe(true);
  });

  it("clears setuid and setgid bits on files and directories, keeping the other mode bits", async () => {
    const { result, versionDir, tarball } = await unpack([
      MANIFEST,
      { path: "bin", type: "Directory", mode: 0o2755 },
      // Empty: writing a body makes the kernel drop the bits for a non-root unpacker, and the
      // test must show what a device unpacking as root would keep.
      { path: "bin/su", mode: 0o4755 },
      { path: "bin/sg", mode: 0o2750 },
    ]);
    // The archive does carry the bits: the test would prove nothing otherwise.
    const archived: Record<string, number> = {};
    await list({ file: tarball, onReadEntry: (e) => (archived[e.path] = e.mode ?? 0) });
    expect(archived["bin/su"]).toBe(0o4755);

    await result;
    const modes: Record<string, number> = {};
    for (const name of await readdir(versionDir, { recursive: true })) {
      modes[name] = (await stat(join(versionDir, name))).mode & 0o7777;
    }
    expect(modes["bin/su"]).toBe(0o755);
    expect(modes["bin/sg"]).toBe(0o750);
    expect((modes.bin ?? 0) & 0o6000).toBe(0);
  });
});
