// 1,000 devices on one laptop: BENCH_DEVICES (default 1000) devices run the real client
// (`startDevice`: mutual-TLS connection, telemetry publisher, SQLite offline buffer; readings of
// heartbeat + system + LED + vehicle every second, as `fleet sandbox` configures its devices) in
// BENCH_DEVICE_PROCESSES child processes (default 1) against a sandbox in this process.
// Devices are enrolled directly (`Sandbox.enrollDevice`): provisioning is not what is measured.
//
// Same run, two fleet sizes: first BENCH_BASELINE_DEVICES (default 100) devices for
// BENCH_BASELINE_SECONDS (default 30), then the whole fleet for BENCH_SECONDS (default 60).
// For each, publish -> queryable latency p50/p99 on tracked devices spread over the fleet,
// read through the operator's path (the derived operator client -> the sandbox API ->
// `queryTelemetry` -> DuckDB). "Publish" is the reading's `deviceTime`, taken just before the
// client appends it to its buffer and publishes it, so the figure is an upper bound.
// At the end every message any device had acknowledged by the broker must be queryable.
// Targets: every acknowledged message queryable, p99 < 1 s at the full fleet.
// Reported beside: sandbox process RSS and CPU, device-side RSS per device.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { FleetOperations } from "@fleet/core";
import { createOperatorClient, OPERATOR_ROUTES } from "@fleet/core/contracts";
import { sandboxFleetOperations, startSandbox, startSandboxApi } from "@fleet/sandbox";
import type { HostCommand, HostedDevice, HostMemory, HostReport } from "./support/device-host.ts";
import { percentile } from "./support/sandbox-clients.ts";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const BASELINE_DEVICES = Math.min(DEVICES, Number(process.env.BENCH_BASELINE_DEVICES ?? 100));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 30);
const DEVICE_PROCESSES = Number(process.env.BENCH_DEVICE_PROCESSES ?? 1);
const P99_TARGET_MS = 1_000;
// 23 ms apart (1,000 devices in 23 s): no two of the fleet's first 1,000 start in the same
// millisecond of a second, so their readings, one a second from each connect, spread out.
const START_SPACING_MS = 23;
const TRACKED = { baseline: 10, fleet: 20 };
const POLL_MS = 50;
const ENROL_CONCURRENCY = 16;
const MEASURE = "heartbeat.uptimeSeconds";
const MiB = 1024 * 1024;

const workDir = await mkdtemp(join(tmpdir(), "fleet-bench-scale-"));
// Each board has its own storage; 1,000 devices' fsyncs (one per reading, SQLite FULL) on this
// machine's one disk would measure the disk's queue, not the client: their state lives on
// tmpfs when there is one (BENCH_DEVICE_DIR overrides).
const deviceRoot = await mkdtemp(
  join(process.env.BENCH_DEVICE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()), "fleet-"),
);
console.log(
  `${DEVICES} devices (readings every second) in ${DEVICE_PROCESSES} process(es) against the sandbox in this one; baseline ${BASELINE_DEVICES} devices; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

const sandbox = await startSandbox({ stateDir: join(workDir, "sandbox") });
const api = await startSandboxApi(sandboxFleetOperations(sandbox));
const operator: FleetOperations = createOperatorClient(OPERATOR_ROUTES, {
  url: api.url,
  token: api.token,
});
const sandboxMemory = startMemorySampler();
const hosts: DeviceHost[] = [];
let hostStartedAt = 0;
let exitCode = 1;
try {
  const enrolStart = performance.now();
  const enrolled: HostedDevice[] = new Array(DEVICES);
  const things: string[] = new Array(DEVICES);
  let done = 0;
  await forEachAtMost([...things.keys()], ENROL_CONCURRENCY, async (index) => {
    const serial = `SN-SCALE-${String(index).padStart(5, "0")}`;
    const dir = join(deviceRoot, serial);
    const { thingName, caFile, certFile, keyFile } = await sandbox.enrollDevice(serial, dir);
    things[index] = thingName;
    enrolled[index] = { serial, caFile, certFile, keyFile, stateDir: join(dir, "state") };
    done += 1;
    if (done % 250 === 0) console.log(`  ... enrolled ${done}/${DEVICES}`);
  });
  console.log(`enrolled ${DEVICES} devices in ${seconds(performance.now() - enrolStart)} s`);
  const idleRss = sandboxMemory.take().rss;

  hostStartedAt = performance.now();
  for (let p = 0; p < DEVICE_PROCESSES; p++) hosts.push(await startHost());
  const start = (from: number, to: number) => {
    for (const [p, host] of hosts.entries()) {
      host.send({
        type: "start",
        devices: enrolled.slice(from, to).filter((_, i) => (from + i) % DEVICE_PROCESSES === p),
        endpoint: sandbox.mqtt,
        spacingMs: START_SPACING_MS * DEVICE_PROCESSES,
      });
    }
  };

  start(0, BASELINE_DEVICES);
  await waitConnected(BASELINE_DEVICES);
  const baseline = await measure(spread(things.slice(0, BASELINE_DEVICES), TRACKED.baseline), {
    seconds: BASELINE_SECONDS,
  });

  const rampStart = performance.now();
  start(BASELINE_DEVICES, DEVICES);
  await waitConnected(DEVICES);
  console.log(`all ${DEVICES} connected ${seconds(performance.now() - rampStart)} s after ramp`);
  const fleet = await measure(spread(things, TRACKED.fleet), { seconds: SECONDS });
  const deviceMemory = hostsMemory();

  const stopped = await Promise.all(hosts.map((host) => host.stop()));
  const acknowledged = Object.assign({}, ...stopped.map((s) => s.acknowledged)) as Record<
    string,
    number[]
  >;
  const sent = Object.values(acknowledged).reduce((n, seqs) => n + seqs.length, 0);
  const missing = await missingMessages(acknowledged);
  const sandboxPeak = sandboxMemory.peak();

  const line = (name: string, m: Measurement) =>
    `${name}: ${m.latencies.length} messages tracked on ${m.tracked} devices over ${m.seconds} s (${m.queriesPerSecond.toFixed(0)} queries/s): publish -> queryable p50 ${percentile(m.latencies, 50).toFixed(0)} ms, p99 ${percentile(m.latencies, 99).toFixed(0)} ms; sandbox CPU ${m.cpuPercent.toFixed(0)}% of a core, RSS peak ${mib(m.peakRss)} MiB`;
  console.log(
    [
      line(`${BASELINE_DEVICES} devices (baseline)`, baseline),
      line(`${DEVICES} devices`, fleet),
      `messages acknowledged by the broker: ${sent}; queryable: ${sent - missing.length}${missing.length > 0 ? ` (missing e.g. ${missing.slice(0, 5).join(", ")})` : ""}`,
      `sandbox RSS: ${mib(idleRss)} MiB idle with ${DEVICES} things enrolled, peak ${mib(sandboxPeak.rss)} MiB (${mib((sandboxPeak.rss - idleRss) / DEVICES, 2)} MiB a device above idle)`,
      `device side: ${mib(deviceMemory.rss)} MiB RSS for ${DEVICES} devices (${mib(deviceMemory.rss / DEVICES, 2)} MiB a device, ${mib((deviceMemory.rss - deviceMemory.readyRss) / DEVICES, 2)} above an idle host), CPU ${deviceMemory.cpuPercent.toFixed(0)}% of a core; disconnects ${stopped.reduce((n, s) => n + s.disconnects, 0)}, failures ${stopped.flatMap((s) => s.failures).length}`,
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    ].join("\n"),
  );
  const p99 = percentile(fleet.latencies, 99);
  const complete = missing.length === 0 && sent > 0;
  const fast = fleet.latencies.length > 0 && p99 < P99_TARGET_MS;
  console.log(
    `every acknowledged message queryable: ${complete ? "PASS" : "FAIL"}; p99 publish -> queryable at ${DEVICES} devices < ${P99_TARGET_MS} ms: ${fast ? "PASS" : "FAIL"}`,
  );
  exitCode = complete && fast ? 0 : 1;
} finally {
  sandboxMemory.stop();
  for (const host of hosts) host.kill();
  await api.close();
  await sandbox.close();
  await rm(workDir, { recursive: true, force: true });
  await rm(deviceRoot, { recursive: true, force: true });
}
process.exitCode = exitCode;

interface Measurement {
  latencies: number[];
  tracked: number;
  seconds: number;
  /** The poller's own queries to the sandbox API. */
  queriesPerSecond: number;
  cpuPercent: number;
  peakRss: number;
}

/**
 * Polls the tracked devices' newest readings through the operator API for `seconds`; each
 * reading taken in the window counts once, when first seen: seen at - deviceTime. A device is
 * polled every `POLL_MS` only from when its next reading is due (a second after the last one)
 * until it shows up, so the poller's own queries stay few (about five a reading). Then waits (at
 * most 15 s) until each tracked device has a reading past the window, so the window's slowest
 * ones count too (a device's records stay in order through the stream).
 */
async function measure(tracked: string[], options: { seconds: number }): Promise<Measurement> {
  const from = Date.now();
  const to = from + options.seconds * 1000;
  const cpuBefore = process.cpuUsage();
  sandboxMemory.resetPeak();
  const latencies: number[] = [];
  let queries = 0;
  const poll = async (thing: string) => {
    let lastSeq = -1;
    let lastTime = from;
    let due = 0;
    while (Date.now() < to + 15_000) {
      await sleep(Math.max(POLL_MS, due - Date.now()));
      queries += 1;
      // Since the newest reading seen: the query reads the newest rows only, as a live view would.
      const samples = await operator.queryTelemetry({
        thing,
        since: new Date(lastTime),
        measure: MEASURE,
        limit: 20,
      });
      const seenAt = Date.now();
      const fresh = samples.filter((s) => s.seq > lastSeq).sort((a, b) => a.seq - b.seq);
      for (const sample of fresh) {
        const time = new Date(sample.time).getTime();
        if (time >= to) return;
        latencies.push(seenAt - time);
        due = time + 1000;
        lastSeq = sample.seq;
        lastTime = time;
      }
    }
  };
  const progress = setInterval(() => {
    console.log(
      `  ... ${Math.round((Date.now() - from) / 1000)} s: ${latencies.length} tracked messages queryable, p99 so far ${percentile(latencies, 99).toFixed(0)} ms, sandbox RSS ${mib(sandboxMemory.take().rss)} MiB`,
    );
  }, 10_000);
  await Promise.all(tracked.map(poll)).finally(() => clearInterval(progress));
  const elapsedMs = Date.now() - from;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    latencies,
    tracked: tracked.length,
    seconds: options.seconds,
    queriesPerSecond: queries / (elapsedMs / 1000),
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    peakRss: sandboxMemory.peak().rss,
  };
}

/** `<thing>/<seq>` of every acknowledged message the operator cannot query (retried for 30 s). */
async function missingMessages(acknowledged: Record<string, number[]>): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  let missing: string[] = [];
  let pending = Object.keys(acknowledged);
  do {
    missing = [];
    const still: string[] = [];
    await forEachAtMost(pending, 20, async (thing) => {
      const seqs = acknowledged[thing] ?? [];
      const stored = new Set(
        (
          await operator.queryTelemetry({
            thing,
            since: new Date(0),
            measure: MEASURE,
            limit: seqs.length + 1000,
          })
        ).map((sample) => sample.seq),
      );
      const absent = seqs.filter((seq) => !stored.has(seq));
      if (absent.length > 0) still.push(thing);
      missing.push(...absent.map((seq) => `${thing}/${seq}`));
    });
    pending = still;
    if (pending.length > 0) await sleep(1_000);
  } while (pending.length > 0 && Date.now() < deadline);
  return missing;
}

interface DeviceHost {
  send(command: HostCommand): void;
  latest(): { connected: number; started: number; memory: HostMemory; ready: HostMemory };
  stop(): Promise<Extract<HostReport, { type: "stopped" }>>;
  kill(): void;
}

/** A `device-host` child process, ready for `start`. */
async function startHost(): Promise<DeviceHost> {
  const child = fork(join(import.meta.dirname, "support", "device-host.ts"), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let state = { connected: 0, started: 0 };
  let ready: HostMemory | undefined;
  let memory: HostMemory | undefined;
  let stopped: ((report: Extract<HostReport, { type: "stopped" }>) => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`device host exited with ${code}`)));
    child.on("message", (report: HostReport) => {
      if (report.type === "ready") {
        ready = report.memory;
        memory = report.memory;
        resolve();
      } else if (report.type === "progress") {
        state = { connected: report.connected, started: report.started };
        memory = report.memory;
      } else stopped?.(report);
    });
  });
  child.removeAllListeners("exit");
  return {
    send: (command) => child.send(command),
    latest: () => ({ ...state, memory: memory as HostMemory, ready: ready as HostMemory }),
    stop: () =>
      new Promise((resolve, reject) => {
        stopped = resolve;
        child.once("exit", (code) => reject(new Error(`device host exited with ${code}`)));
        child.send({ type: "stop" } satisfies HostCommand);
      }),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

async function waitConnected(count: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  let nextProgress = 0;
  for (;;) {
    const connected = hosts.reduce((n, host) => n + host.latest().connected, 0);
    if (connected >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${connected} of ${count} devices connected`);
    if (Date.now() >= nextProgress) {
      nextProgress = Date.now() + 5_000;
      const started = hosts.reduce((n, host) => n + host.latest().started, 0);
      console.log(
        `  ... started ${started}, connected ${connected}/${count}; sandbox RSS ${mib(sandboxMemory.take().rss)} MiB`,
      );
    }
    await sleep(250);
  }
}

/** The device hosts' RSS and CPU now, and their RSS before any device started. */
function hostsMemory() {
  const all = hosts.map((host) => host.latest());
  const sum = (pick: (m: HostMemory) => number, of: "memory" | "ready") =>
    all.reduce((n, host) => n + pick(host[of]), 0);
  return {
    rss: sum((m) => m.rss, "memory"),
    readyRss: sum((m) => m.rss, "ready"),
    // Over the host's life (mostly the run at full fleet), as a share of one core.
    cpuPercent: (sum((m) => m.cpuMs, "memory") / (performance.now() - hostStartedAt)) * 100,
  };
}

/** Samples this process's RSS every 500 ms (the sandbox, with the bench's small poller). */
function startMemorySampler() {
  let peak = { rss: 0 };
  const take = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak.rss) peak = { rss };
    return { rss };
  };
  const timer = setInterval(take, 500);
  return {
    take,
    peak: () => {
      take();
      return peak;
    },
    resetPeak: () => {
      peak = { rss: 0 };
    },
    stop: () => clearInterval(timer),
  };
}

/** `count` things spread evenly over `things`. */
function spread(things: string[], count: number): string[] {
  const picked = Math.min(count, things.length);
  const step = things.length / picked;
  return Array.from({ length: picked }, (_, i) => things[Math.floor(i * step)] as string);
}

/** Runs `run` on every item, at most `limit` at once (a pool: a finished run starts the next). */
async function forEachAtMost<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function mib(bytes: number, digits = 0): string {
  return (bytes / MiB).toFixed(digits);
}
