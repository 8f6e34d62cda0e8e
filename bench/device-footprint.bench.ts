// Footprint of the finished device client on a board: provisioned, telemetry every second, jobs
// agent, shadow reporter and the LED app running; the bundle `npm run build:device` makes,
// started with DEVICE_NODE_FLAGS and DEVICE_ENVIRONMENT, as the device service runs it.
// Baseline in the same run: a minimal mqtt.js client doing only the telemetry publish, with
// Node's default flags. Both connect over mutual TLS to the sandbox in this process. Also in the
// same run, two floors on the device's flags and environment: the same Node runtime having
// loaded node:tls and nothing else (no client can be smaller than its runtime), and a raw
// mutual-TLS publisher sending the same telemetry with MQTT encoded by hand (no client can be
// smaller than that and still publish). Each process's resident memory is also split into
// pages it shares with other processes (the node binary, which the LED app's Node maps too) and
// its own.
// After WARMUP_MS, resident memory (VmRSS) and CPU time are sampled for MEASURE_MS. CPU time is
// the scheduler's own account of every thread (nanoseconds), not /proc/<pid>/stat's 10 ms ticks:
// a client busy about 2 ms a second is charged 11 or 12 ticks in a minute, which alone moves its
// figure by 0.017% of one core, a tenth of the target.
// Target: the client's RSS <= 56 MiB and CPU < 0.2% of one core.
import { type ChildProcess, fork, spawn } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEVICE_ENVIRONMENT, DEVICE_NODE_FLAGS } from "@fleet/device";
import { startSandbox } from "@fleet/sandbox";
import { x as untar } from "tar";
import { buildApp } from "../scripts/build-app.ts";
import { buildDevice } from "../scripts/build-device.ts";

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 60_000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 60_000);
const RSS_TARGET_MIB = 56;
const CPU_TARGET_PERCENT = 0.2;
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");

const stateDir = await mkdtemp(join(tmpdir(), "fleet-bench-footprint-"));
const sandbox = await startSandbox({ stateDir: join(stateDir, "sandbox") });
const children: ChildProcess[] = [];
try {
  const client = await startDeviceClient("SN-FOOTPRINT-1");
  const baseline = await startCredentialsClient("SN-FOOTPRINT-2", "minimal-telemetry-client.mjs", {
    execArgv: [],
    env: {},
  });
  const raw = await startCredentialsClient("SN-FOOTPRINT-3", "raw-tls-publisher.mjs", {
    execArgv: [...DEVICE_NODE_FLAGS],
    env: DEVICE_ENVIRONMENT,
  });
  const floor = startRuntimeAlone();
  console.log(
    `device client (pid ${client.pid}, ${DEVICE_NODE_FLAGS.join(" ")}) and minimal mqtt.js client (pid ${baseline.pid}, default flags) connected; warming up ${WARMUP_MS / 1000} s`,
  );
  await sleep(WARMUP_MS);
  const [clientUsage, baselineUsage, rawUsage, floorUsage] = await Promise.all([
    measure(client.pid),
    measure(baseline.pid),
    measure(raw.pid),
    measure(floor.pid),
  ]);
  const appPids = await descendants(client.pid);
  const ledUsage =
    appPids.length === 0
      ? undefined
      : { rssMiB: (await Promise.all(appPids.map(rssMiB))).reduce((a, b) => a + b, 0) };
  const row = (name: string, usage: Usage) =>
    `${name.padEnd(34)} RSS ${usage.rssMiB.toFixed(1).padStart(6)} MiB   CPU ${usage.cpuPercent.toFixed(3).padStart(6)}% of one core`;
  console.log(
    [
      `Node ${process.version}, measured over ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s`,
      row("device client (finished)", clientUsage),
      row("minimal mqtt.js client (baseline)", baselineUsage),
      row("raw TLS publisher (device flags)", rawUsage),
      row("Node alone (device flags + tls)", floorUsage),
      `device client memory:      ${await memoryBreakdown(client.pid)}`,
      `raw TLS publisher memory:  ${await memoryBreakdown(raw.pid)}`,
      `Node alone memory:         ${await memoryBreakdown(floor.pid)}`,
      `device client RSS ${clientUsage.rssMiB.toFixed(1)} MiB: ${await sharedAndOwn(client.pid)}`,
      ledUsage === undefined
        ? "LED app: not running"
        : `LED app (${appPids.length} processes of its own, not counted above): RSS ${ledUsage.rssMiB.toFixed(1)} MiB`,
    ].join("\n"),
  );
  const rssOk = clientUsage.rssMiB <= RSS_TARGET_MIB;
  const cpuOk = clientUsage.cpuPercent < CPU_TARGET_PERCENT;
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  console.log(
    `the RSS target leaves ${(RSS_TARGET_MIB - rawUsage.rssMiB).toFixed(1)} MiB above the raw TLS publisher, ${(RSS_TARGET_MIB - floorUsage.rssMiB).toFixed(1)} MiB above Node alone, for everything the client does beyond one publish a second`,
  );
  console.log(
    `device client RSS ${clientUsage.rssMiB.toFixed(1)} MiB vs baseline ${baselineUsage.rssMiB.toFixed(1)} MiB (target <= ${RSS_TARGET_MIB}): ${verdict(rssOk)}; CPU ${clientUsage.cpuPercent.toFixed(3)}% vs baseline ${baselineUsage.cpuPercent.toFixed(3)}% (target < ${CPU_TARGET_PERCENT}): ${verdict(cpuOk)}; LED app running: ${verdict(ledUsage !== undefined)}`,
  );
  const pass = rssOk && cpuOk && ledUsage !== undefined;
  console.log(pass ? "PASS" : "FAIL");
  process.exitCode = pass ? 0 : 1;
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => exited(child)));
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
}

/** The real `fleet-device` process, as the device service runs it, with the LED app installed. */
async function startDeviceClient(serial: string): Promise<ChildProcess & { pid: number }> {
  const dir = join(stateDir, "devices", serial);
  const enrolled = await sandbox.enrollDevice(serial, dir);
  const deviceState = join(dir, "state");
  await installLedApp(join(deviceState, "apps"));
  const configFile = join(dir, "device.json");
  await writeFile(
    configFile,
    JSON.stringify({
      serial,
      endpoint: { host: sandbox.mqtt.host, port: sandbox.mqtt.port },
      tls: { caFile: enrolled.caFile, certFile: enrolled.certFile, keyFile: enrolled.keyFile },
      stateDir: deviceState,
      heartbeatIntervalSeconds: 60,
      // A board's sections: its own health and the LED app's state, every second.
      telemetry: { intervalSeconds: 1, sources: { system: {}, led: {} } },
    }),
  );
  const { bundle } = await buildDevice(join(stateDir, "device-build"), "none");
  const child = fork(bundle, ["--config", configFile, "--log-level", "warn"], {
    execArgv: [...DEVICE_NODE_FLAGS],
    env: { ...process.env, ...DEVICE_ENVIRONMENT },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  children.push(child);
  await waitFor(
    `${serial} connected`,
    () => sandbox.listDevices(),
    (devices) => devices.some((device) => device.serial === serial && device.connected),
  );
  return child as ChildProcess & { pid: number };
}

/** A support script (`bench/support/<script>`) publishing telemetry as `serial`, connected. */
async function startCredentialsClient(
  serial: string,
  script: string,
  runtime: { execArgv: string[]; env: Readonly<Record<string, string>> },
): Promise<ChildProcess & { pid: number }> {
  const dir = join(stateDir, "devices", serial);
  const enrolled = await sandbox.enrollDevice(serial, dir);
  const credentialsFile = join(dir, "credentials.json");
  await writeFile(
    credentialsFile,
    JSON.stringify({
      host: sandbox.mqtt.host,
      port: sandbox.mqtt.port,
      clientId: enrolled.thingName,
      ca: await readFile(enrolled.caFile, "utf8"),
      key: await readFile(enrolled.keyFile, "utf8"),
      cert: await readFile(enrolled.certFile, "utf8"),
    }),
  );
  const child = fork(join(here, "support", script), [credentialsFile], {
    execArgv: runtime.execArgv,
    env: { ...process.env, ...runtime.env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child as ChildProcess & { pid: number };
}

/** The runtime the client runs on, started as the device service starts it, doing nothing. */
function startRuntimeAlone(): ChildProcess & { pid: number } {
  const child = spawn(
    process.execPath,
    [...DEVICE_NODE_FLAGS, "-e", 'require("node:tls"); setInterval(() => {}, 60_000);'],
    { env: { ...process.env, ...DEVICE_ENVIRONMENT }, stdio: ["ignore", "ignore", "inherit"] },
  );
  children.push(child);
  return child as ChildProcess & { pid: number };
}

/** The demo LED app's artifact, unpacked as the app manager installs it (`current` link). */
async function installLedApp(appsDir: string): Promise<void> {
  const built = await buildApp(join(repo, "apps/led"), join(stateDir, "artifacts"));
  const versionDir = join(appsDir, built.name, built.version);
  await mkdir(versionDir, { recursive: true });
  await untar({ file: built.file, cwd: versionDir });
  await symlink(built.version, join(appsDir, built.name, "current"));
}

/** Every process the client started (the LED app: its shell and its Node process). */
async function descendants(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const children = (
    await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, "utf8")))
  )
    .join(" ")
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const nested = await Promise.all(children.map(descendants));
  return [...children, ...nested.flat()];
}

interface Usage {
  rssMiB: number;
  cpuPercent: number;
}

/** Median RSS over the window and the CPU share the process used within it. */
async function measure(pid: number): Promise<Usage> {
  const start = await cpuSeconds(pid);
  const startedAt = performance.now();
  const rss: number[] = [];
  while (performance.now() - startedAt < MEASURE_MS) {
    rss.push(await rssMiB(pid));
    await sleep(1_000);
  }
  const cpu = (await cpuSeconds(pid)) - start;
  const wall = (performance.now() - startedAt) / 1000;
  rss.sort((a, b) => a - b);
  return { rssMiB: rss[Math.floor(rss.length / 2)] ?? Number.NaN, cpuPercent: (100 * cpu) / wall };
}

/**
 * Where the resident memory is, from /proc/<pid>/smaps: file-backed pages of the node binary
 * (its code, the V8 snapshot, the JavaScript of Node's built-in modules, ICU data and the
 * dynamic symbol table, each mapped in as first touched) and of the shared libraries;
 * malloc's brk heap; and the other anonymous memory (V8's heap pages, malloc's mmapped blocks,
 * thread stacks).
 */
async function memoryBreakdown(pid: number): Promise<string> {
  const [smaps, binary] = await Promise.all([
    readFile(`/proc/${pid}/smaps`, "utf8"),
    readlink(`/proc/${pid}/exe`),
  ]);
  const kib = { binary: 0, libraries: 0, brk: 0, anonymous: 0 };
  let mapping = "";
  for (const line of smaps.split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      mapping = header[1] ?? "";
      continue;
    }
    const anonymous = /^Anonymous:\s+(\d+) kB$/.exec(line);
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss && mapping === binary) kib.binary += Number(rss[1]);
    else if (rss && mapping.startsWith("/")) kib.libraries += Number(rss[1]);
    else if (anonymous && mapping === "[heap]") kib.brk += Number(anonymous[1]);
    else if (anonymous && !mapping.startsWith("/")) kib.anonymous += Number(anonymous[1]);
  }
  const mib = (value: number) => `${(value / 1024).toFixed(1)} MiB`;
  return `node binary ${mib(kib.binary)}, shared libraries ${mib(kib.libraries)}, malloc heap ${mib(kib.brk)}, other anonymous (V8 heap, mmapped malloc, stacks) ${mib(kib.anonymous)}`;
}

/**
 * RSS split by /proc/<pid>/smaps_rollup into pages other processes map too (mostly the node
 * binary's, which the LED app's Node also maps) and the process's own, with its proportional
 * share (PSS: each shared page divided by the number of processes mapping it).
 */
async function sharedAndOwn(pid: number): Promise<string> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(rollup)?.[1]);
  const mib = (value: number) => `${(value / 1024).toFixed(1)} MiB`;
  return `${mib(kib("Shared_Clean") + kib("Shared_Dirty"))} shared with other processes, ${mib(kib("Private_Clean") + kib("Private_Dirty"))} its own; PSS ${mib(kib("Pss"))}`;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kib / 1024;
}

/** CPU time of all the process's threads: sum_exec_runtime, the first field of each schedstat. */
async function cpuSeconds(pid: number): Promise<number> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const runtimes = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/schedstat`, "utf8")),
  );
  return runtimes.reduce((sum, line) => sum + Number(line.split(" ")[0]), 0) / 1e9;
}

async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (done(await probe())) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting until ${what}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
