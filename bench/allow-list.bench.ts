// Allow-list at fleet scale. (1) Parse + diff of a 1,000,000-serial list streamed in 64 KiB
// chunks (as S3 delivers it) against a 1,000,000-device registry: time and peak RSS of the whole
// process, registry included (targets < 2 s, < 256 MB), next to a baseline in the same run
// (whole body in one string, split, Set, two-pass diff). Each case runs in its own process so
// its peak RSS is its own. (2) Pre-provisioning hook decision latency with that list loaded
// (createDecideProvisioning over an AllowListCache, real P-256 certificates): p99 < 1 ms warm.
// The list's bytes are made before the clock starts (S3 hands them over ready) and count in RSS.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  AllowListCache,
  type AllowListStore,
  createDecideProvisioning,
  type DeviceLedger,
  diffAllowList,
  type LedgerEntry,
  parseAllowList,
} from "@fleet/core";
import type { PreProvisioningHookEvent } from "@fleet/core/contracts";

const SERIALS = Number(process.env.BENCH_SERIALS ?? 1_000_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 20_000);
const CHUNK_BYTES = 64 * 1024;
const TARGET_MS = 2_000;
const TARGET_RSS_MB = 256;
const TARGET_P99_MS = 1;

/**
 * Raspberry Pi style serials (16 hex digits), in no particular order: serial(i) is a bijection
 * of i. The registry holds devices 0..N-1; the new list drops every 10th of them (removed,
 * spread through the fleet) and adds N/10 new devices N..1.1N-1.
 */
function serial(index: number): string {
  return `1000${(Math.imul(index, 2_654_435_761) >>> 0).toString(16).padStart(12, "0")}`;
}
const listed = (index: number) => index >= SERIALS || index % 10 !== 0;
const LIST_END = SERIALS + SERIALS / 10;

/**
 * The list file's bytes, made before any clock starts (as S3 would deliver them, ready), and
 * counted in the peak RSS. ~17 MB.
 */
function listBytes(): Buffer {
  const header = "serial,comment\n# exported from the asset database\n";
  const bytes = Buffer.alloc(header.length + LIST_END * 17);
  let at = bytes.write(header, "latin1");
  for (let i = 0; i < LIST_END; i++) {
    if (!listed(i)) continue;
    at += bytes.write(serial(i), at, "latin1");
    at = bytes.writeUInt8(0x0a, at);
  }
  return bytes.subarray(0, at);
}

/** The list body as a store streams it: 64 KiB chunks. */
async function* listBody(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** The registry's serials as an SDK would deliver them: flat strings, one per device. */
function registry(): Set<string> {
  const serials = new Set<string>();
  const line = Buffer.alloc(16);
  for (let i = 0; i < SERIALS; i++) {
    line.write(serial(i), "latin1");
    serials.add(line.toString("latin1"));
  }
  return serials;
}

interface CaseResult {
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

const which = process.argv[2];
if (which !== undefined) {
  // Child process: one case, result as JSON on the last line.
  const idleRssMb = rssMb();
  const result = await (cases[which] as () => Promise<Measured>)();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...result, peakRssMb, idleRssMb }));
} else {
  await main();
}

function runCase(name: string, v8Flags: string[] = []): CaseResult {
  const child = spawnSync(process.execPath, [...v8Flags, fileURLToPath(import.meta.url), name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`case ${name} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as CaseResult;
}

async function main(): Promise<void> {
  console.log(
    `${SERIALS.toLocaleString("en-US")}-device registry; new list: ${(LIST_END - SERIALS / 10).toLocaleString("en-US")} serials (10% removed, 10% added), 64 KiB chunks`,
  );
  // V8 sizes its young generation from the host's memory: 8 MiB semi-spaces up to 2 GiB, 64 MiB
  // on this 24 GB machine, all of it resident while a million strings stream through. The
  // targets are judged as the code runs in production: in the 1024 MB reconcile function,
  // where V8 picks 8 MiB. The same flag applies to the baseline; the host default is shown too.
  const asOnOneGbHost = ["--max-semi-space-size=8"];
  const results = {
    "streaming (as on a 1 GB host)": runCase("streaming", asOnOneGbHost),
    "baseline (as on a 1 GB host)": runCase("baseline", asOnOneGbHost),
    "streaming (this host's V8 defaults)": runCase("streaming"),
  };
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name}: parse+diff ${r.ms.toFixed(0)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB (idle process ${r.idleRssMb.toFixed(0)} MB, with registry and list bytes ${r.readyRssMb.toFixed(0)} MB); listed ${r.listed}, +${r.added} -${r.removed}`,
    );
  }
  const streaming = results["streaming (as on a 1 GB host)"];
  const baseline = results["baseline (as on a 1 GB host)"];
  const timeOk = streaming.ms < TARGET_MS;
  const rssOk = streaming.peakRssMb < TARGET_RSS_MB;
  console.log(
    `parse+diff: ${streaming.ms.toFixed(0)} ms vs baseline ${baseline.ms.toFixed(0)} ms (target < ${TARGET_MS}): ${verdict(timeOk)}; peak RSS ${streaming.peakRssMb.toFixed(0)} MB vs baseline ${baseline.peakRssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB}): ${verdict(rssOk)}`,
  );

  const hook = await measureDecisions();
  const hookOk = hook.p99 < TARGET_P99_MS;
  console.log(
    `hook decision (${DECISIONS.toLocaleString("en-US")} warm, list of ${hook.listed.toLocaleString("en-US")}): p50 ${hook.p50.toFixed(3)} ms, p99 ${hook.p99.toFixed(3)} ms, max ${hook.max.toFixed(3)} ms; serials.has alone p99 ${hook.hasP99.toFixed(4)} ms`,
  );
  console.log(`hook p99 (target < ${TARGET_P99_MS} ms): ${verdict(hookOk)}`);
  process.exitCode = timeOk && rssOk && hookOk ? 0 : 1;
}

function verdict(ok: boolean): string {
  return ok ? "PASS" : "FAIL";
}

/** Warm decisions through the real use case: certificate parse, CN check, list lookup, ledger. */
async function measureDecisions() {
  const bytes = listBytes();
  const store: AllowListStore = {
    read: async () => ({
      version: "v1",
      body: listBody(bytes),
      size: bytes.length,
      allowEmpty: false,
    }),
    write: async () => ({ version: "v2" }),
  };
  const allowList = new AllowListCache({ store });
  const decide = createDecideProvisioning({
    allowList,
    ledger: memoryLedger(),
    // No device provisioned yet: what is measured is the allow-list lookup.
    registry: { listCertificates: async () => [], revokeCertificate: async () => {} },
    certificateSigner: "private-ca",
  });
  const { serials } = await allowList.current();

  // Half listed, half not (every 10th original device was dropped from the list).
  const events = await Promise.all(
    [1, 2, 3, 4, 5, 10, 20, 30, 40, 50].map(async (index) => hookEvent(serial(index))),
  );
  const allowedExpected = events.filter((e) => serials.has(e.parameters.SerialNumber as string));
  if (allowedExpected.length !== 5) throw new Error("bench setup: expected 5 listed serials");

  for (let i = 0; i < 2_000; i++)
    await decide(events[i % events.length] as PreProvisioningHookEvent);
  const times: number[] = [];
  let allowed = 0;
  for (let i = 0; i < DECISIONS; i++) {
    const event = events[i % events.length] as PreProvisioningHookEvent;
    const started = performance.now();
    const decision = await decide(event);
    times.push(performance.now() - started);
    if (decision.allowProvisioning) allowed += 1;
  }
  if (allowed !== DECISIONS / 2) throw new Error(`expected half allowed, got ${allowed}`);

  const lookups: number[] = [];
  for (let i = 0; i < DECISIONS; i++) {
    const candidate = serial(i * 37);
    const started = performance.now();
    serials.has(candidate);
    lookups.push(performance.now() - started);
  }
  return {
    listed: serials.size,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    max: percentile(times, 1),
    hasP99: percentile(lookups, 0.99),
  };
}

function memoryLedger(): DeviceLedger {
  const entries = new Map<string, LedgerEntry>();
  return {
    record: async (entry) => void entries.set(entry.serial, entry),
    clear: async (serialNumber) => void entries.delete(serialNumber),
    list: async function* () {
      yield* entries.values();
    },
  };
}

/** What AWS IoT sends the hook: the device's new certificate (CN = its serial) and parameters. */
async function hookEvent(serialNumber: string): Promise<PreProvisioningHookEvent> {
  // Loaded here so the parse cases' processes carry no certificate library.
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(globalThis.crypto);
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await globalThis.crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${serialNumber}`,
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
  });
  return {
    claimCertificateId: "c".repeat(64),
    certificateId: "d".repeat(64),
    certificatePem: certificate.toString("pem"),
    templateArn: "arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/bench",
    clientId: `claim-${serialNumber}`,
    parameters: { SerialNumber: serialNumber },
  };
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
