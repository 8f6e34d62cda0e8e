import { splitMeasure } from "@fleet/core/contracts";
import type { Aggregation, PanelDefinition, PanelMeasure } from "@fleet/core/panel-catalogue";
import {
  DEVICE_PRESENCE_MEASURE,
  onlyMeasure,
  type QueryDialect,
  SECONDS_PER_DAY,
} from "./query-dialect.ts";

/**
 * Flux over the points the ingest writes to InfluxDB: one point per message section, the
 * section as `_measurement`, each measure's path inside it as a `_field`, the thing as a tag.
 * `v.*` are the variables Grafana's InfluxDB data source (Flux mode) defines.
 */

const FROM = [
  "from(bucket: v.defaultBucket)",
  "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)",
];

function sectionAndField(measure: string): { section: string; field: string } {
  const parts = splitMeasure(measure);
  if (parts === undefined) throw new Error(`${measure} is not a section.path measure`);
  return { section: parts.section, field: parts.path };
}

const window = (fn: string) =>
  `aggregateWindow(every: v.windowPeriod, fn: ${fn}, createEmpty: false)`;

/** Pipeline steps turning one field's points into a chart's values. */
const CHART_STEPS: Record<Aggregation, string[]> = {
  avg: [window("mean")],
  max: [window("max")],
  last: [window("last")],
  count: [window("count")],
  // Bytes since boot: the per-second growth between points, averaged over each window.
  rate: ["derivative(unit: 1s, nonNegative: true)", window("mean")],
};

const float = (value: number) => (Number.isInteger(value) ? `${value}.0` : String(value));

/** A measure's value as shown, from an expression giving the reading. */
function shown(measure: PanelMeasure, value: string): string {
  if (measure.transform === "epoch-seconds-as-time") {
    return `time(v: int(v: ${value}) * 1000000000)`;
  }
  if (measure.transform === "days-until-epoch-seconds") {
    return `(float(v: ${value}) - float(v: int(v: now())) / 1000000000.0) / ${float(SECONDS_PER_DAY)}`;
  }
  return value;
}

const pipe = (steps: readonly string[]) =>
  [...FROM, ...steps.map((step) => `  |> ${step}`)].join("\n");

/** One query per measure: its field of the selected device, named after the measure. */
function deviceQuery(panel: PanelDefinition, measure: PanelMeasure): string {
  const { section, field } = sectionAndField(measure.measure);
  const chart = panel.kind === "timeseries" || panel.kind === "state-timeline";
  return pipe([
    `filter(fn: (r) => r._measurement == "${section}" and r.thing == "\${device}")`,
    `filter(fn: (r) => r._field == "${field}")`,
    ...(chart ? CHART_STEPS[panel.aggregation] : ["last()"]),
    'keep(columns: ["_time", "_value"])',
    `rename(columns: {_value: "${measure.field}"})`,
  ]);
}

/** One series per device, which the panel names after its `thing` tag. */
function fleetChart(panel: PanelDefinition): string {
  const measure = onlyMeasure(panel);
  const { section, field } = sectionAndField(measure.measure);
  return pipe([
    `filter(fn: (r) => r._measurement == "${section}" and r._field == "${field}")`,
    ...CHART_STEPS[panel.aggregation],
    'group(columns: ["thing"])',
    `yield(name: "${measure.field}")`,
  ]);
}

function fleetCount(panel: PanelDefinition): string {
  const measure = onlyMeasure(panel);
  const { section, field } = sectionAndField(measure.measure);
  const below =
    panel.where === undefined
      ? []
      : [`filter(fn: (r) => ${shown(measure, "r._value")} < ${float(panel.where.below)})`];
  return pipe([
    `filter(fn: (r) => r._measurement == "${section}" and r._field == "${field}")`,
    'group(columns: ["thing"])',
    "last()",
    "group()",
    ...below,
    "count()",
    `rename(columns: {_value: "${measure.field}"})`,
  ]);
}

/** The latest point of each device, its fields side by side. */
function fleetLatest(panel: PanelDefinition): string {
  const parts = panel.measures.map((m) => sectionAndField(m.measure));
  const sections = new Set(parts.map((part) => part.section));
  if (sections.size !== 1) throw new Error(`panel ${panel.id}: a table reads one section`);
  const fields = [...new Set(parts.map((part) => part.field))];
  const values = panel.measures.map((m, i) => `${m.field}: ${shown(m, `r["${parts[i]?.field}"]`)}`);
  return pipe([
    `filter(fn: (r) => r._measurement == "${[...sections][0]}")`,
    `filter(fn: (r) => (${fields.map((f) => `r._field == "${f}"`).join(" or ")}))`,
    'pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
    'group(columns: ["thing"])',
    'last(column: "_time")',
    "group()",
    `map(fn: (r) => ({${["thing: r.thing", "last_seen: r._time", ...values].join(", ")}}))`,
    `sort(columns: ["${panel.sortBy ?? "thing"}"])`,
  ]);
}

function panelQueries(panel: PanelDefinition): string[] {
  if (panel.kind === "table") return [fleetLatest(panel)];
  if (panel.scope === "device") return panel.measures.map((m) => deviceQuery(panel, m));
  if (panel.kind === "stat") return [fleetCount(panel)];
  return [fleetChart(panel)];
}

const presence = sectionAndField(DEVICE_PRESENCE_MEASURE);

export const FLUX: QueryDialect = {
  pluginId: "influxdb",
  queryField: "query",
  panelQueries,
  deviceQuery: `import "influxdata/influxdb/schema"\n\nschema.tagValues(bucket: v.defaultBucket, tag: "thing", predicate: (r) => r._measurement == "${presence.section}", start: v.timeRangeStart, stop: v.timeRangeStop)`,
  fleetSeries: { transformations: [], displayName: "${__field.labels.thing}" },
};
