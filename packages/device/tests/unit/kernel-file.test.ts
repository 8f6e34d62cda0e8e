import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { kernelFile } from "../../src/telemetry/sources/kernel-file.ts";

describe("kernel file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-kernel-file-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the whole file again from its start on every call", async () => {
    const file = join(dir, "loadavg");
    await writeFile(file, "0.42 0.31 0.25 1/123 4567\n");
    const read = kernelFile(file);
    expect(read()).toBe("0.42 0.31 0.25 1/123 4567\n");
    await writeFile(file, "1.00 0.50 0.25 2/124 4568\n");
    expect(read()).toBe("1.00 0.50 0.25 2/124 4568\n");
  });

  it("reads a file larger than its first buffer whole", async () => {
    const file = join(dir, "dev");
    const lines = Array.from({ length: 200 }, (_, i) => `  eth${i}: ${i} 0 0 0 0 0 0 0 ${i}`);
    await writeFile(file, lines.join("\n"));
    expect(kernelFile(file)()).toBe(lines.join("\n"));
  });

  it("fails while the file is missing and reads it once it exists", async () => {
    const file = join(dir, "temp");
    const read = kernelFile(file);
    expect(read).toThrow(/ENOENT/);
    await writeFile(file, "48312\n");
    expect(read()).toBe("48312\n");
  });
});
