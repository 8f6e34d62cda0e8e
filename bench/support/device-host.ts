// A child process running many devices with the real client (`startDevice`: its connection,
// telemetry publisher and on-disk offline buffer), driven by its parent over IPC: `start`
// brings the devices up one every `spacingMs`, `stop` stops them and answers with every seq the
// broker acknowledged per thing. The parent measures the sandbox; this process is the fleet, so
// its RSS is the device side's alone.
import { type Device, parseDeviceConfig, startDevice } from "@fleet/device";
import { pino } from "pino";

export interface HostedDevice {
  serial: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  stateDir: string;
}

export type HostCommand =
  | {
      type: "start";
      devices: HostedDevice[];
      endpoint: { host: string; port: number };
      /** Time between two device starts, so that the fleet's readings spread over the second. */
      spacingMs: number;
    }
  | { type: "stop" };

export interface HostMemory {
  rss: number;
  heapUsed: number;
  /** CPU time (user + system) since the host started, in ms. */
  cpuMs: number;
}

export type HostReport =
  | { type: "ready"; memory: HostMemory }
  | { type: "progress"; started: number; connected: number; memory: HostMemory }
  | {
      type: "stopped";
      /** Seqs of the telemetry messages the broker acknowledged (PUBACK), per thing. */
      acknowledged: Record<string, number[]>;
      disconnects: number;
      failures: string[];
      memory: HostMemory;
    };

const PROGRESS_EVERY_MS = 1_000;
const silent = pino({ level: "silent" });
const devices: Device[] = [];
const acknowledged: Record<string, number[]> = {};
const failures: string[] = [];
let disconnects = 0;
let starting: Promise<void> | undefined;
let stopping = false;

function memory(): HostMemory {
  const { user, system } = process.cpuUsage();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed, cpuMs: (user + system) / 1000 };
}

function report(message: HostReport, then?: () => void): void {
  process.send?.(message, undefined, {}, () => then?.());
}

async function startAll(command: Extract<HostCommand, { type: "start" }>): Promise<void> {
  const firstAt = performance.now();
  for (const [index, hosted] of command.devices.entries()) {
    if (stopping) return;
    const wait = firstAt + index * command.spacingMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const device = await startDevice(deviceConfig(hosted, command.endpoint), { logger: silent });
    const seqs: number[] = [];
    acknowledged[device.thingName] = seqs;
    device.events.on("telemetry", (message) => seqs.push(message.seq));
    device.events.on("disconnected", () => {
      disconnects += 1;
    });
    device.events.on("failed", (error) => failures.push(`${device.thingName}: ${error.message}`));
    devices.push(device);
  }
}

/** A simulated board as `fleet sandbox` configures one: readings every second. */
function deviceConfig(hosted: HostedDevice, endpoint: { host: string; port: number }) {
  return parseDeviceConfig(
    {
      serial: hosted.serial,
      endpoint,
      tls: { caFile: hosted.caFile, certFile: hosted.certFile, keyFile: hosted.keyFile },
      stateDir: hosted.stateDir,
      telemetry: { intervalSeconds: 1, sources: { system: {}, led: {}, vehicle: {} } },
    },
    `bench device ${hosted.serial}`,
  );
}

const progress = setInterval(() => {
  const connected = devices.filter((device) => device.state === "connected").length;
  report({ type: "progress", started: devices.length, connected, memory: memory() });
}, PROGRESS_EVERY_MS);

process.on("message", (command: HostCommand) => {
  if (command.type === "start") {
    // A second `start` (more devices) begins once the first one's devices are all started.
    starting = (starting ?? Promise.resolve())
      .then(() => startAll(command))
      .catch((error: unknown) => {
        failures.push(`start: ${error instanceof Error ? error.message : String(error)}`);
      });
    return;
  }
  stopping = true;
  void (async () => {
    await starting;
    clearInterval(progress);
    const memoryWhileRunning = memory();
    const disconnectsWhileRunning = disconnects;
    await Promise.all(devices.map((device) => device.stop()));
    // Disconnected once the report is sent, so that the process ends.
    report(
      {
        type: "stopped",
        acknowledged,
        disconnects: disconnectsWhileRunning,
        failures,
        memory: memoryWhileRunning,
      },
      () => process.disconnect(),
    );
  })();
});

report({ type: "ready", memory: memory() });
