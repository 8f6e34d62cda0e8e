// Runs every `bench/*.bench.ts` in its own Node process, one after the other (benchmarks must
// not compete for the machine's cores). Exits non-zero if any benchmark misses its target.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}`);
  const result = spawnSync(process.execPath, [join(benchDir, file)], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
console.log(`\n${files.length - failed} benchmarks met their targets, ${failed} missed`);
process.exitCode = failed === 0 ? 0 : 1;
