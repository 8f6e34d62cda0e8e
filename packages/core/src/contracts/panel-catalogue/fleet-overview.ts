import type { PanelDefinition } from "./types.ts";

const FLEET_CHART = {
  dashboard: "fleet-overview",
  scope: "fleet",
  kind: "timeseries",
  aggregation: "avg",
  layout: { width: 12, height: 8 },
} as const;

export const FLEET_OVERVIEW_PANELS: readonly PanelDefinition[] = [
  {
    id: "fleet-overview.devices-reporting",
    title: "Devices reporting",
    description: "Devices that sent at least one heartbeat in the time range",
    dashboard: "fleet-overview",
    kind: "stat",
    scope: "fleet",
    aggregation: "count",
    measures: [{ measure: "heartbeat.uptimeSeconds", label: "Devices", field: "devices" }],
    unit: "none",
    layout: { width: 6, height: 6 },
  },
  {
    id: "fleet-overview.devices",
    title: "Devices",
    description:
      "Latest heartbeat of each device. Dropped counts messages the offline buffer discarded when full.",
    dashboard: "fleet-overview",
    kind: "table",
    scope: "fleet",
    aggregation: "last",
    measures: [
      { measure: "heartbeat.clientVersion", label: "Client version", field: "client_version" },
      { measure: "heartbeat.uptimeSeconds", label: "Uptime", field: "uptime", unit: "s" },
      { measure: "heartbeat.reconnects", label: "Reconnects", field: "reconnects" },
      { measure: "heartbeat.buffer.queued", label: "Queued", field: "queued" },
      {
        measure: "heartbeat.buffer.droppedMessages",
        label: "Dropped",
        field: "dropped",
        thresholds: { base: "green", steps: [{ from: 1, color: "red" }] },
      },
    ],
    unit: "none",
    sortBy: "last_seen",
    linksTo: "device-detail",
    layout: { width: 18, height: 10 },
  },
  {
    ...FLEET_CHART,
    id: "fleet-overview.messages",
    title: "Messages per device",
    description: "Telemetry messages stored per interval, counted by their heartbeats",
    aggregation: "count",
    measures: [{ measure: "heartbeat.uptimeSeconds", label: "Messages", field: "messages" }],
    unit: "none",
  },
  {
    ...FLEET_CHART,
    id: "fleet-overview.buffer-queue",
    title: "Offline buffer queue",
    description: "Messages waiting in each device's on-disk buffer",
    measures: [{ measure: "heartbeat.buffer.queued", label: "Queued", field: "queued" }],
    unit: "none",
  },
  {
    ...FLEET_CHART,
    id: "fleet-overview.cpu-temperature",
    title: "CPU temperature",
    description: "Hottest thermal zone per device",
    measures: [
      { measure: "system.cpuTemperatureC", label: "CPU temperature", field: "cpu_temperature" },
    ],
    unit: "celsius",
  },
  {
    ...FLEET_CHART,
    id: "fleet-overview.load",
    title: "Load (1 min)",
    description: "1-minute load average per device",
    measures: [{ measure: "system.load1", label: "Load (1 min)", field: "load_1m" }],
    unit: "none",
  },
  {
    ...FLEET_CHART,
    id: "fleet-overview.battery",
    title: "Battery state of charge",
    description: "Simulated vehicles only",
    measures: [{ measure: "vehicle.battery.soc", label: "State of charge", field: "soc" }],
    unit: "percent",
    layout: { width: 24, height: 8 },
  },
];
