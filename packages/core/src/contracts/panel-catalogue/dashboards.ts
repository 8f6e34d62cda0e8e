import type { DashboardDefinition } from "./types.ts";

/** The dashboards, in the order a reader meets them. */
export const DASHBOARDS: readonly DashboardDefinition[] = [
  {
    id: "fleet-overview",
    title: "Overview",
    description: "Every device: who reports, buffers, board health and vehicle battery.",
    scope: "fleet",
    timeRange: "6h",
    slug: "overview",
  },
  {
    id: "device-detail",
    title: "Device detail",
    description: "One device: client, offline buffer, board health, network and LED.",
    scope: "device",
    timeRange: "6h",
    slug: "device",
  },
  {
    id: "vehicle-simulator",
    title: "Vehicle simulator",
    description:
      "The simulated vehicle of one device: drive cycle, battery with regenerative braking, ABS, HVAC, airbags and seat belts.",
    scope: "device",
    timeRange: "1h",
    slug: "vehicle",
  },
  {
    id: "certificate-expiry",
    title: "Certificate expiry",
    description:
      "When each device's certificate expires, from the notAfter the device reports in its heartbeat.",
    scope: "fleet",
    timeRange: "24h",
    slug: "certificates",
  },
];
