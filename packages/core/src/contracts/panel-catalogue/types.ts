/**
 * What a panel shows, said once: the Grafana dashboards (scripts/generate-dashboards.ts) and the
 * sandbox console's charts are both made from it. Pure data, no Grafana and no store syntax:
 * each consumer turns a panel into its own queries and drawing.
 */

export type DashboardId =
  | "fleet-overview"
  | "device-detail"
  | "vehicle-simulator"
  | "certificate-expiry";

/** `device`: one selected device. `fleet`: every device, one series or row each. */
export type PanelScope = "device" | "fleet";

export type PanelKind = "timeseries" | "stat" | "table" | "state-timeline";

/**
 * How readings become values.
 * - `avg`, `max`: over each interval of a chart.
 * - `last`: the latest reading; per interval in a chart (so a state timeline shows the state
 *   each interval ended in), the latest overall in a stat or a table.
 * - `count`: readings per interval in a chart; in a fleet stat, devices (see `where`).
 * - `rate`: per second, of a counter that only grows (bytes since boot).
 */
export type Aggregation = "avg" | "max" | "last" | "count" | "rate";

/**
 * How a measure's value is shown when it is not the reading itself.
 * - `epoch-seconds-as-time`: the reading is a time in epoch seconds.
 * - `days-until-epoch-seconds`: days from now to that time (negative once past).
 */
export type MeasureTransform = "epoch-seconds-as-time" | "days-until-epoch-seconds";

/** A Grafana named color (`green`, `orange`, `red`, `text`: the theme's text color). */
export type NamedColor = "green" | "orange" | "red" | "text";

/** Colors by value: `base` below the first step, then each step's color from its `from`. */
export interface Thresholds {
  base: NamedColor;
  steps: readonly { from: number; color: NamedColor }[];
}

export interface PanelMeasure {
  /** The column the ingest writes: telemetry section, a dot, the path inside it (`measureName`). */
  measure: string;
  /** What a reader calls it: legend, column header, tooltip. */
  label: string;
  /** The value's name in query results: lower snake case, never led by a digit. */
  field: string;
  /** Grafana unit id when it differs from the panel's. */
  unit?: string;
  thresholds?: Thresholds;
  decimals?: number;
  transform?: MeasureTransform;
}

export interface PanelDefinition {
  /** Stable id, `<dashboard>.<panel>`. */
  id: string;
  title: string;
  description?: string;
  dashboard: DashboardId;
  /** The row (section) of the dashboard the panel sits in; none on dashboards without rows. */
  row?: string;
  kind: PanelKind;
  scope: PanelScope;
  aggregation: Aggregation;
  measures: readonly PanelMeasure[];
  /** Grafana unit id (`none` for plain numbers), e.g. `celsius`, `velocitykmh`, `bytes`. */
  unit: string;
  thresholds?: Thresholds;
  decimals?: number;
  /** Fixed axis range, where the values have one (a fan level 0-7). */
  range?: { min: number; max: number };
  /** Text and color of each value a state timeline can show (`true`, `ready`, ...). */
  states?: Readonly<Record<string, { text: string; color: NamedColor }>>;
  /** Fleet count only: count the devices whose latest value (transformed) is below this. */
  where?: { below: number };
  /** Fleet table only: the field rows are sorted by, ascending. */
  sortBy?: string;
  /** Fleet table only: each device opens this dashboard. */
  linksTo?: DashboardId;
  /** Size on a 24-column grid; panels flow left to right, a line's widths add up to 24. */
  layout: { width: number; height: number };
}

export interface DashboardDefinition {
  id: DashboardId;
  title: string;
  description: string;
  /** Devices the dashboard shows: `device` ones have a device selector. */
  scope: PanelScope;
  /** Default time range, back from now (`6h`, `24h`). */
  timeRange: string;
  /** Short stable name used in Grafana uids and links (`fleet-ts-<slug>`). */
  slug: string;
}
