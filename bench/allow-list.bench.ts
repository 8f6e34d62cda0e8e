// Allow-list at fleet scale. (1) Parse + diff of a 1,000,000-serial list streamed in 64 KiB
// chunks (as S3 delivers it) against a 1,000,000-device registry: time and peak RSS of the whole
// process, registry included (targets < 1 s, <= 200 MB), next to a baseline in the same run
// (whole body in one string, split, Set, two-pass diff). Each case runs in its own process so
// its peak RSS is its own (support/allow-list-cases.ts). (2) Pre-provisioning hook decision
// latency with that list loaded (createDecideProvisioning over an AllowListCache, real P-256
// certificates): p99 < 1 ms warm.
// The list's bytes are made before the clock starts (S3 hands them over ready) and count in RSS.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import "reflect-metadata";
import {
  AllowListCache,
  type AllowListStore,
  createDecideProvisioning,
  type DeviceLedger,
  type LedgerEntry,
} from "@fleet/core";
import type { PreProvisioningHookEvent } from "@fleet/core/contracts";
import * as x509 from "@peculiar/x509";
import { build } from "esbuild";
import type { CaseResult } from "./support/allow-list-cases.ts";
import { LISTED, listBody, listBytes, SERIALS, serial } from "./support/allow-list-fixture.ts";

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 20_000);
const TARGET_MS = 1_000;
const TARGET_RSS_MB = 200;
const TARGET_P99_MS = 1;
const casesSource = join(dirname(fileURLToPath(import.meta.url)), "support/allow-list-cases.ts");

/** Runs one case in its own process: `entry` is the cases module, bundled or as TypeScript. */
function runCase(entry: string, name: string, v8Flags: string[] = []): CaseResult {
  const child = spawnSync(process.execPath, [...v8Flags, entry, name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`case ${name} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as CaseResult;
}

/**
 * The cases as one bundled ES module, as the reconcile function runs its code: SST bundles each
 * handler with esbuild, so a Lambda neither strips TypeScript types at load (about 17 MB of
 * resident memory in Node's stripper) nor loads the core's modules it does not import.
 */
async function bundleCases(outDir: string): Promise<string> {
  const outfile = join(outDir, "allow-list-cases.mjs");
  await build({
    entryPoints: [casesSource],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    // CommonJS dependencies call require(); give the ES module one.
    banner: {
      js: 'import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  return outfile;
}

await main();

async function main(): Promise<void> {
  console.log(
    `${SERIALS.toLocaleString("en-US")}-device registry; new list: ${LISTED.toLocaleString("en-US")} serials (10% removed, 10% added), 64 KiB chunks`,
  );
  // V8 sizes its young generation from the host's memory: 8 MiB semi-spaces up to 2 GiB, 64 MiB
  // on this 24 GB machine, all of it resident while a million strings stream through. The
  // targets are judged as the code runs in production: bundled, in the 1024 MB reconcile
  // function, where V8 picks 8 MiB. The same applies to the baseline; the host default and the
  // TypeScript sources (the process shape of development and of earlier runs) are shown too.
  const asOnOneGbHost = ["--max-semi-space-size=8"];
  const outDir = await mkdtemp(join(tmpdir(), "fleet-bench-allow-list-"));
  let results: Record<string, CaseResult>;
  try {
    const bundle = await bundleCases(outDir);
    results = {
      "streaming (bundled, as on a 1 GB host)": runCase(bundle, "streaming", asOnOneGbHost),
      "baseline (bundled, as on a 1 GB host)": runCase(bundle, "baseline", asOnOneGbHost),
      "streaming (bundled, this host's V8 defaults)": runCase(bundle, "streaming"),
      "streaming (TypeScript sources, as on a 1 GB host)": runCase(
        casesSource,
        "streaming",
        asOnOneGbHost,
      ),
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name}: parse+diff ${r.ms.toFixed(0)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB (idle process ${r.idleRssMb.toFixed(0)} MB, with registry and list bytes ${r.readyRssMb.toFixed(0)} MB); listed ${r.listed}, +${r.added} -${r.removed}`,
    );
  }
  const streaming = results["streaming (bundled, as on a 1 GB host)"] as CaseResult;
  const baseline = results["baseline (bundled, as on a 1 GB host)"] as CaseResult;
  const timeOk = streaming.ms < TARGET_MS;
  const rssOk = streaming.peakRssMb <= TARGET_RSS_MB;
  console.log(
    `parse+diff: ${streaming.ms.toFixed(0)} ms vs baseline ${baseline.ms.toFixed(0)} ms (target < ${TARGET_MS}): ${verdict(timeOk)}; peak RSS ${streaming.peakRssMb.toFixed(0)} MB vs baseline ${baseline.peakRssMb.toFixed(0)} MB (target <= ${TARGET_RSS_MB}): ${verdict(rssOk)}`,
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
