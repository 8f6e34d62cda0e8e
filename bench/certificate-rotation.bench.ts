// Certificate rotation at fleet scale: BENCH_DEVICES (default 1000) devices run in-process with
// the real device client against the sandbox, all rotate at once, and the rotation backend's
// control-plane calls (registry, jobs, CA issue and revoke) must stay under the configured limit
// (BENCH_CALLS_PER_SECOND, default 10 — as a stage stays under AWS IoT's throttling).
// Target: every rotation committed, and never more calls within one second than the limit.
// Time: each rotation takes about 15 control-plane calls (the audit included), so at 10 calls/s
// the default 1000 devices take about 25 minutes; BENCH_DEVICES=20 takes under a minute.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RotationRecord } from "@fleet/core";
import { type Device, parseDeviceConfig, startDevice } from "@fleet/device";
import { startSandbox } from "@fleet/sandbox";
import { pino } from "pino";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const CALLS_PER_SECOND = Number(process.env.BENCH_CALLS_PER_SECOND ?? 10);
const HOUR_MS = 3_600_000;
// Devices wait behind the whole fleet's queue of control-plane calls: give replies, and the
// sweeper's deadline, far more than the run needs so that only a real fault fails a rotation.
const REPLY_TIMEOUT_MS = 2 * HOUR_MS;
const ENROL_CONCURRENCY = 16;
let lastProgress = 0;

const silent = pino({ level: "silent" });
const stateDir = await mkdtemp(join(tmpdir(), "fleet-bench-rotation-"));
const sandbox = await startSandbox({
  stateDir: join(stateDir, "sandbox"),
  controlPlaneCallsPerSecond: CALLS_PER_SECOND,
  auditIntervalMs: 30_000,
  rotationTimeoutMs: REPLY_TIMEOUT_MS,
});
const devices: Device[] = [];
try {
  console.log(
    `${DEVICES} devices in-process, control-plane limit ${CALLS_PER_SECOND} calls/s (audit and sweeper every 30 s)`,
  );
  const enrolStart = performance.now();
  await inBatches(range(DEVICES), ENROL_CONCURRENCY, async (index) => {
    devices.push(await startBenchDevice(`SN-BENCH-${String(index).padStart(5, "0")}`));
  });
  await waitUntil("every device connected", () => {
    const connected = devices.filter((device) => device.state === "connected").length;
    progress(`connected ${connected}/${DEVICES}`);
    return connected === DEVICES;
  });
  console.log(
    `enrolled and connected ${DEVICES} devices in ${seconds(performance.now() - enrolStart)} s`,
  );

  const before = sandbox.controlPlaneCalls.total;
  const rotateStart = performance.now();
  const reportSteps = async () => {
    progress(
      `rotations by step: ${JSON.stringify(countSteps(await sandbox.listRotations()))}, calls ${sandbox.controlPlaneCalls.total}`,
    );
  };
  // Every certificate expires within a window past its validity: the audit picks every device.
  // Starting shares the limiter with the signing and commits already under way, so it lasts
  // most of the run: report progress meanwhile.
  const starting = sandbox.startExpiringRotations(400 * 24 * HOUR_MS);
  const reporter = setInterval(() => void reportSteps(), 10_000);
  const started = await starting.finally(() => clearInterval(reporter));
  console.log(
    `started ${started.length} rotations in ${seconds(performance.now() - rotateStart)} s`,
  );
  const ids = new Set(started.map((rotation) => rotation.rotationId));
  const finished = await waitUntil("every rotation finished", async () => {
    const ours = (await sandbox.listRotations()).filter((r) => ids.has(r.rotationId));
    await reportSteps();
    return ours.every((r) => r.step !== "requested" && r.step !== "issued") ? ours : undefined;
  });
  const elapsedMs = performance.now() - rotateStart;
  const calls = sandbox.controlPlaneCalls;
  const committed = finished.filter((r) => r.step === "committed").length;

  console.log(
    [
      `rotations committed: ${committed}/${DEVICES}${describeOthers(finished)}`,
      `total time: ${seconds(elapsedMs)} s (${(committed / (elapsedMs / 1000)).toFixed(2)} rotations/s)`,
      `control-plane calls: ${calls.total - before} for the rotations, ${calls.total} in all (${((calls.total - before) / Math.max(committed, 1)).toFixed(1)} per rotation)`,
      `peak control-plane calls in any second: ${calls.peakPerSecond} (limit ${CALLS_PER_SECOND})`,
    ].join("\n"),
  );
  const pass =
    started.length === DEVICES && committed === DEVICES && calls.peakPerSecond <= CALLS_PER_SECOND;
  console.log(pass ? "PASS" : "FAIL");
  process.exitCode = pass ? 0 : 1;
} finally {
  await Promise.all(devices.map((device) => device.stop()));
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
}

/** An enrolled device running the real client: jobs agent and rotator, heartbeat only. */
async function startBenchDevice(serial: string): Promise<Device> {
  const dir = join(stateDir, "devices", serial);
  const enrolled = await sandbox.enrollDevice(serial, dir);
  const config = parseDeviceConfig(
    {
      serial,
      endpoint: { host: sandbox.mqtt.host, port: sandbox.mqtt.port },
      tls: { caFile: enrolled.caFile, certFile: enrolled.certFile, keyFile: enrolled.keyFile },
      stateDir: join(dir, "state"),
      // One heartbeat per connect and then every 5 minutes: the run measures rotation only.
      heartbeatIntervalSeconds: 300,
    },
    `bench device ${serial}`,
  );
  return startDevice(config, { logger: silent, replyTimeoutMs: REPLY_TIMEOUT_MS });
}

/** A progress line at most every 10 s (a full run takes many minutes). */
function progress(line: string): void {
  if (Date.now() - lastProgress < 10_000) return;
  lastProgress = Date.now();
  console.log(`  ... ${line}`);
}

function countSteps(rotations: RotationRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { step } of rotations) counts[step] = (counts[step] ?? 0) + 1;
  return counts;
}

function describeOthers(rotations: RotationRecord[]): string {
  const others = rotations.filter((r) => r.step !== "committed");
  return others.length === 0
    ? ""
    : ` (not committed: ${others.map((r) => `${r.thingName} ${r.step} ${r.reason ?? ""}`).join("; ")})`;
}

async function waitUntil<T>(what: string, probe: () => T | Promise<T>): Promise<NonNullable<T>> {
  const deadline = Date.now() + 2 * HOUR_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value as NonNullable<T>;
    await sleep(250);
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(run));
  }
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
