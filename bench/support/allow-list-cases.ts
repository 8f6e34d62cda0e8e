// One case of the allow-list bench, in a process of its own so that its peak RSS is its own:
// `node allow-list-cases.(ts|mjs) <case>` prints the result as JSON on its last line.
import { diffAllowList, parseAllowList } from "@fleet/core";
import { listBody, listBytes, registry } from "./allow-list-fixture.ts";

export interface CaseResult {
  ms: number;
  peakRssMb: number;
  idleRssMb: number;
  /** RSS once the registry and the list's bytes are in memory, before the clock starts. */
  readyRssMb: number;
  listed: number;
  added: number;
  removed: number;
}

type Measured = Omit<CaseResult, "peakRssMb" | "idleRssMb">;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

const cases: Record<string, () => Promise<Measured>> = {
  async streaming() {
    const current = registry();
    const bytes = listBytes();
    const readyRssMb = rssMb();
    const started = performance.now();
    // The size S3 declares (ContentLength), as the stores pass it.
    const parsed = await parseAllowList(listBody(bytes), { size: bytes.length });
    const diff = diffAllowList(current, parsed.serials);
    const ms = performance.now() - started;
    if (parsed.errors.length > 0) throw new Error(`unexpected issues: ${parsed.errors.length}`);
    return {
      ms,
      readyRssMb,
      listed: parsed.serials.size,
      added: diff.added,
      removed: diff.removed,
    };
  },
  async baseline() {
    const current = registry();
    const bytes = listBytes();
    const readyRssMb = rssMb();
    const started = performance.now();
    const chunks: Uint8Array[] = [];
    for await (const chunk of listBody(bytes)) chunks.push(chunk);
    const lines = Buffer.concat(chunks).toString("utf8").split("\n");
    const next = new Set(
      lines.filter((l) => l !== "" && !l.startsWith("#") && l !== "serial,comment"),
    );
    let added = 0;
    let removed = 0;
    for (const s of next) if (!current.has(s)) added += 1;
    for (const s of current) if (!next.has(s)) removed += 1;
    const ms = performance.now() - started;
    return { ms, readyRssMb, listed: next.size, added, removed };
  },
};

const which = process.argv[2] as string;
const run = cases[which];
if (run === undefined) throw new Error(`no such case: ${which}`);
const idleRssMb = rssMb();
const result = await run();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ ...result, peakRssMb, idleRssMb }));
