import { readdir, readFile, statfs } from "node:fs/promises";
import { join } from "node:path";
import {
  MAX_NETWORK_INTERFACES,
  NetworkInterfaceNameSchema,
  type SystemSection,
} from "@fleet/core/contracts";
import type { TelemetrySource } from "./telemetry-source.ts";

export interface SystemSourceOptions {
  /** Filesystem root /proc and /sys are read under, and whose filesystem `disk` is. Default `/`. */
  root?: string;
}

/** Thermal zone types that are the CPU or the SoC (Raspberry Pi `cpu-thermal`, x86 package). */
const CPU_ZONE = /cpu|soc|x86_pkg_temp|package/i;

/**
 * Board health from the kernel's own files: nothing to install and the same on every Linux
 * board. Only the CPU temperature is optional (VMs and containers have no thermal zones); any
 * other file missing fails the reading, which leaves the section out of that message.
 */
export function createSystemSource(options: SystemSourceOptions = {}): TelemetrySource<"system"> {
  const root = options.root ?? "/";
  const text = (path: string) => readFile(join(root, path), "utf8");
  return {
    section: "system",
    async read() {
      const [cpuTemperatureC, loadavg, meminfo, uptime, netdev, fs] = await Promise.all([
        readCpuTemperature(join(root, "sys/class/thermal")),
        text("proc/loadavg"),
        text("proc/meminfo"),
        text("proc/uptime"),
        text("proc/net/dev"),
        statfs(root),
      ]);
      const [load1, load5, load15] = loadavg.trim().split(/\s+/).map(Number);
      const memory = parseMeminfo(meminfo);
      return {
        ...(cpuTemperatureC !== undefined && { cpuTemperatureC }),
        load1: finite(load1, "proc/loadavg"),
        load5: finite(load5, "proc/loadavg"),
        load15: finite(load15, "proc/loadavg"),
        memory,
        disk: { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize },
        uptimeSeconds: finite(Number(uptime.trim().split(/\s+/)[0]), "proc/uptime"),
        network: parseNetDev(netdev),
      } satisfies SystemSection;
    },
  };
}

/** °C of the hottest CPU/SoC zone (all zones when none is typed as such), 0.1 °C steps. */
async function readCpuTemperature(thermalDir: string): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = (await readdir(thermalDir)).filter((name) => name.startsWith("thermal_zone"));
  } catch {
    return undefined;
  }
  const zones = await Promise.all(
    entries.map(async (name) => {
      try {
        const [type, temp] = await Promise.all([
          readFile(join(thermalDir, name, "type"), "utf8"),
          readFile(join(thermalDir, name, "temp"), "utf8"),
        ]);
        // The kernel reports millidegrees Celsius.
        return { type: type.trim(), celsius: Number(temp.trim()) / 1000 };
      } catch {
        return undefined;
      }
    }),
  );
  const readable = zones.filter(
    (zone): zone is { type: string; celsius: number } =>
      zone !== undefined && Number.isFinite(zone.celsius),
  );
  const cpu = readable.filter((zone) => CPU_ZONE.test(zone.type));
  const chosen = cpu.length > 0 ? cpu : readable;
  if (chosen.length === 0) return undefined;
  return Math.round(Math.max(...chosen.map((zone) => zone.celsius)) * 10) / 10;
}

function parseMeminfo(text: string): SystemSection["memory"] {
  const kib = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
    if (!match?.[1]) throw new Error(`proc/meminfo has no ${key}`);
    return Number(match[1]) * 1024;
  };
  return { totalBytes: kib("MemTotal"), availableBytes: kib("MemAvailable") };
}

/**
 * Receive and transmit byte counters per interface. Loopback is left out; so are names that
 * are not plain identifiers (`eth0.100`), which would blur the dotted measure names; at most
 * `MAX_NETWORK_INTERFACES`, by name.
 */
function parseNetDev(text: string): SystemSection["network"] {
  const network: SystemSection["network"] = {};
  const lines = text.split("\n").slice(2);
  const rows = lines
    .map((line) => /^\s*([^:\s]+):\s*(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, name = "", counters = ""]) => ({ name, fields: counters.trim().split(/\s+/) }))
    .filter(({ name }) => name !== "lo" && NetworkInterfaceNameSchema.safeParse(name).success)
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_NETWORK_INTERFACES);
  for (const { name, fields } of rows) {
    // Columns: 8 receive counters (bytes first), then 8 transmit counters (bytes first).
    network[name] = {
      rxBytes: finite(Number(fields[0]), "proc/net/dev"),
      txBytes: finite(Number(fields[8]), "proc/net/dev"),
    };
  }
  return network;
}

function finite(value: number | undefined, file: string): number {
  if (value === undefined || !Number.isFinite(value)) throw new Error(`cannot parse ${file}`);
  return value;
}
