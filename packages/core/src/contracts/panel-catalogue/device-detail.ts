import { YES_NO } from "./states.ts";
import type { PanelDefinition } from "./types.ts";

const CHART = {
  dashboard: "device-detail",
  scope: "device",
  kind: "timeseries",
  aggregation: "avg",
  layout: { width: 12, height: 8 },
} as const;

/** Interfaces a Raspberry Pi reports; Timestream keeps each as columns of its own. */
const INTERFACES = ["eth0", "wlan0"] as const;

export const DEVICE_DETAIL_PANELS: readonly PanelDefinition[] = [
  {
    id: "device-detail.client",
    title: "Client",
    dashboard: "device-detail",
    row: "Client",
    kind: "stat",
    scope: "device",
    aggregation: "last",
    measures: [
      { measure: "heartbeat.clientVersion", label: "Version", field: "version" },
      { measure: "heartbeat.uptimeSeconds", label: "Uptime", field: "uptime", unit: "s" },
      { measure: "heartbeat.reconnects", label: "Reconnects", field: "reconnects" },
    ],
    unit: "none",
    layout: { width: 12, height: 5 },
  },
  {
    ...CHART,
    id: "device-detail.offline-buffer",
    title: "Offline buffer",
    description:
      "Queued: messages waiting on disk. Dropped: oldest messages discarded because the buffer was full (a total since installation).",
    row: "Client",
    measures: [
      { measure: "heartbeat.buffer.queued", label: "Queued", field: "queued" },
      { measure: "heartbeat.buffer.droppedMessages", label: "Dropped", field: "dropped" },
    ],
    unit: "none",
    layout: { width: 12, height: 5 },
  },
  {
    ...CHART,
    id: "device-detail.cpu-temperature",
    title: "CPU temperature",
    row: "Board",
    measures: [
      { measure: "system.cpuTemperatureC", label: "CPU temperature", field: "cpu_temperature" },
    ],
    unit: "celsius",
  },
  {
    ...CHART,
    id: "device-detail.load",
    title: "Load average",
    row: "Board",
    measures: [
      { measure: "system.load1", label: "1 min", field: "load_1m" },
      { measure: "system.load5", label: "5 min", field: "load_5m" },
      { measure: "system.load15", label: "15 min", field: "load_15m" },
    ],
    unit: "none",
  },
  {
    ...CHART,
    id: "device-detail.memory",
    title: "Memory",
    row: "Board",
    measures: [
      { measure: "system.memory.totalBytes", label: "Total", field: "total" },
      { measure: "system.memory.availableBytes", label: "Available", field: "available" },
    ],
    unit: "bytes",
  },
  {
    ...CHART,
    id: "device-detail.root-filesystem",
    title: "Root filesystem",
    row: "Board",
    measures: [
      { measure: "system.disk.totalBytes", label: "Total", field: "total" },
      { measure: "system.disk.freeBytes", label: "Free", field: "free" },
    ],
    unit: "bytes",
  },
  {
    id: "device-detail.board-uptime",
    title: "Board uptime",
    dashboard: "device-detail",
    row: "Uptime and network",
    kind: "stat",
    scope: "device",
    aggregation: "last",
    measures: [{ measure: "system.uptimeSeconds", label: "Uptime", field: "uptime" }],
    unit: "s",
    layout: { width: 12, height: 8 },
  },
  {
    ...CHART,
    id: "device-detail.network",
    title: "Network",
    description: `Bytes per second on ${INTERFACES.join(" and ")}, from the /proc/net/dev counters.`,
    row: "Uptime and network",
    aggregation: "rate",
    measures: INTERFACES.flatMap((name) => [
      { measure: `system.network.${name}.rxBytes`, label: `${name} received`, field: `${name}_rx` },
      { measure: `system.network.${name}.txBytes`, label: `${name} sent`, field: `${name}_tx` },
    ]),
    unit: "Bps",
  },
  {
    id: "device-detail.led",
    title: "LED",
    dashboard: "device-detail",
    row: "LED",
    kind: "state-timeline",
    scope: "device",
    aggregation: "last",
    measures: [
      { measure: "led.on", label: "On", field: "led_on" },
      { measure: "led.blinking", label: "Blinking", field: "blinking" },
    ],
    unit: "none",
    states: YES_NO,
    layout: { width: 12, height: 6 },
  },
  {
    ...CHART,
    id: "device-detail.blink-frequency",
    title: "Blink frequency",
    row: "LED",
    measures: [{ measure: "led.blinkHz", label: "Blink frequency", field: "blink_frequency" }],
    unit: "hertz",
    layout: { width: 12, height: 6 },
  },
];
