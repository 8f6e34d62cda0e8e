import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The dashboards as code under dashboards/, per store, and the queries they hold. */

export const DASHBOARDS_DIR = join(import.meta.dirname, "../../dashboards");

export type Store = "timestream" | "influxdb";
export const STORES: readonly Store[] = ["timestream", "influxdb"];

/** Grafana data source plugin id per store. */
export const PLUGIN_ID: Record<Store, string> = {
  timestream: "grafana-timestream-datasource",
  influxdb: "influxdb",
};

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId?: string;
  datasource?: DataSourceRef;
  /** Timestream SQL. */
  rawQuery?: string;
  /** Flux. */
  query?: string;
}

export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: DataSourceRef;
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: unknown[] };
}

export interface Variable {
  name?: string;
  type?: string;
  query?: unknown;
  datasource?: DataSourceRef;
}

export interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  tags?: string[];
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

export interface DashboardFile {
  store: Store;
  file: string;
  dashboard: Dashboard;
}

export function dashboardFiles(store: Store): DashboardFile[] {
  const dir = join(DASHBOARDS_DIR, store);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      store,
      file,
      dashboard: JSON.parse(readFileSync(join(dir, file), "utf8")) as Dashboard,
    }));
}

export const ALL_DASHBOARDS: DashboardFile[] = STORES.flatMap(dashboardFiles);

/** Panels that draw queries (rows only group). */
export function queryPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).filter((panel) => panel.type !== "row");
}

export interface Query {
  where: string;
  text: string;
  /** The panel's type, or `variable`. */
  kind: string;
}

/** Every query of a dashboard: each panel target and each query variable. */
export function queries({ store, file, dashboard }: DashboardFile): Query[] {
  const fromPanels = queryPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `${store}/${file} panel "${panel.title}" ${target.refId}`,
      text: (store === "timestream" ? target.rawQuery : target.query) ?? "",
      kind: panel.type ?? "",
    })),
  );
  const fromVariables = (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === "query")
    .map((variable) => ({
      where: `${store}/${file} variable ${variable.name}`,
      text: typeof variable.query === "string" ? variable.query : "",
      kind: "variable",
    }));
  return [...fromPanels, ...fromVariables];
}

/** Panel types that draw values along time and so need rows in ascending time order. */
export const TIME_SERIES_PANELS = new Set(["timeseries", "state-timeline"]);
