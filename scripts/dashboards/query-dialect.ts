import type { PanelDefinition, PanelMeasure } from "@fleet/core/panel-catalogue";

/** How one store spells the catalogue's panels as queries. */
export interface QueryDialect {
  /** Grafana data source plugin id. */
  pluginId: string;
  /** The query target's field holding the query text. */
  queryField: "rawQuery" | "query";
  /** One query text per target of the panel. */
  panelQueries(panel: PanelDefinition): string[];
  /** The device selector's choices: devices that sent a heartbeat in the time range. */
  deviceQuery: string;
  /** How a fleet chart, one series per device, names each series after its device. */
  fleetSeries: {
    transformations: { id: string; options: Record<string, unknown> }[];
    displayName?: string;
  };
}

/** A device is listed where this measure, sent with every heartbeat, is. */
export const DEVICE_PRESENCE_MEASURE = "heartbeat.uptimeSeconds";

export const SECONDS_PER_DAY = 86_400;

/** A catalogue panel's single measure, for the queries that read exactly one. */
export function onlyMeasure(panel: PanelDefinition): PanelMeasure {
  const [measure, ...others] = panel.measures;
  if (measure === undefined || others.length > 0) {
    throw new Error(`panel ${panel.id}: a ${panel.scope} ${panel.kind} reads exactly one measure`);
  }
  return measure;
}
