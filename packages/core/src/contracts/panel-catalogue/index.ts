import { CERTIFICATE_EXPIRY_PANELS } from "./certificate-expiry.ts";
import { DEVICE_DETAIL_PANELS } from "./device-detail.ts";
import { FLEET_OVERVIEW_PANELS } from "./fleet-overview.ts";
import type { DashboardId, PanelDefinition } from "./types.ts";
import { VEHICLE_SIMULATOR_PANELS } from "./vehicle-simulator.ts";

export { DASHBOARDS } from "./dashboards.ts";
export type * from "./types.ts";

/** Every panel, each dashboard's in the order it shows them. */
export const PANELS: readonly PanelDefinition[] = [
  ...FLEET_OVERVIEW_PANELS,
  ...DEVICE_DETAIL_PANELS,
  ...VEHICLE_SIMULATOR_PANELS,
  ...CERTIFICATE_EXPIRY_PANELS,
];

export function panelsOf(dashboard: DashboardId): PanelDefinition[] {
  return PANELS.filter((panel) => panel.dashboard === dashboard);
}
