import type { Aggregation, PanelDefinition, PanelMeasure } from "@fleet/core/panel-catalogue";
import {
  DEVICE_PRESENCE_MEASURE,
  onlyMeasure,
  type QueryDialect,
  SECONDS_PER_DAY,
} from "./query-dialect.ts";

/**
 * Timestream for LiveAnalytics SQL over the MULTI records the ingest writes: one row per
 * message, one column per measure named `section.path` (double-quoted: the dots need it), the
 * thing as dimension. Macros are the grafana-timestream-datasource plugin's: `$__database`,
 * `$__table`, `$__timeFilter`, `$__interval_ms` (a duration literal), `$__interval_raw_ms`.
 * Functions are Timestream's (developer guide, query language reference: "Aggregate functions"
 * for avg, max, min, count, max_by; "Date / time functions" for bin, now, to_milliseconds,
 * from_milliseconds, https://docs.aws.amazon.com/timestream/latest/developerguide/reference.html).
 */

const TABLE = "$__database.$__table";
const BIN = "bin(time, $__interval_ms)";
const DEVICE_FILTER = "thing = ${device:sqlstring}";

const column = (measure: string) => `"${measure}"`;

const AGGREGATE: Record<Aggregation, (c: string) => string> = {
  avg: (c) => `avg(${c})`,
  max: (c) => `max(${c})`,
  last: (c) => `max_by(${c}, time)`,
  count: (c) => `count(${c})`,
  // Bytes since boot: what the counter grew by in the bin, per second of the bin.
  rate: (c) => `(max(${c}) - min(${c})) / ($__interval_raw_ms / 1000.0)`,
};

/** A measure's value as shown, from an expression giving the reading. */
function shown(measure: PanelMeasure, value: string): string {
  if (measure.transform === "epoch-seconds-as-time") {
    return `from_milliseconds(CAST(${value} * 1000 AS BIGINT))`;
  }
  if (measure.transform === "days-until-epoch-seconds") {
    return `(${value} * 1000 - to_milliseconds(now())) / ${SECONDS_PER_DAY * 1000}.0`;
  }
  return value;
}

/**
 * Rows in the time range that carry a value the panel shows (a message's record holds only the
 * sections it had), of the selected device.
 */
function where(panel: PanelDefinition, indent = ""): string {
  const carried = [...new Set(panel.measures.map((m) => `${column(m.measure)} IS NOT NULL`))];
  const any = carried.length === 1 ? carried[0] : `(${carried.join(`\n${indent}    OR `)})`;
  return [
    `${indent}WHERE $__timeFilter`,
    `${indent}  AND ${any}`,
    ...(panel.scope === "device" ? [`${indent}  AND ${DEVICE_FILTER}`] : []),
  ].join("\n");
}

const selectList = (items: readonly string[]) => items.join(",\n  ");

function chart(panel: PanelDefinition): string {
  const byThing = panel.scope === "fleet" ? "thing, " : "";
  const values = panel.measures.map(
    (m) => `${AGGREGATE[panel.aggregation](column(m.measure))} AS ${m.field}`,
  );
  return [
    `SELECT ${byThing}${BIN} AS binned_time,`,
    `  ${selectList(values)}`,
    `FROM ${TABLE}`,
    where(panel),
    `GROUP BY ${byThing}${BIN}`,
    "ORDER BY binned_time ASC",
  ].join("\n");
}

function deviceLatest(panel: PanelDefinition): string {
  const values = panel.measures.map((m) => `${shown(m, column(m.measure))} AS ${m.field}`);
  return [
    "SELECT time,",
    `  ${selectList(values)}`,
    `FROM ${TABLE}`,
    where(panel),
    "ORDER BY time DESC",
    "LIMIT 1",
  ].join("\n");
}

function fleetLatest(panel: PanelDefinition): string {
  const values = panel.measures.map(
    (m) => `${shown(m, AGGREGATE.last(column(m.measure)))} AS ${m.field}`,
  );
  return [
    "SELECT thing,",
    `  ${selectList(["max(time) AS last_seen", ...values])}`,
    `FROM ${TABLE}`,
    where(panel),
    "GROUP BY thing",
    `ORDER BY ${panel.sortBy ?? "thing"}`,
  ].join("\n");
}

function fleetCount(panel: PanelDefinition): string {
  const measure = onlyMeasure(panel);
  const below =
    panel.where === undefined ? [] : [`WHERE ${shown(measure, "latest")} < ${panel.where.below}`];
  return [
    `SELECT COUNT(*) AS ${measure.field}`,
    "FROM (",
    `  SELECT thing, ${AGGREGATE.last(column(measure.measure))} AS latest`,
    `  FROM ${TABLE}`,
    where(panel, "  "),
    "  GROUP BY thing",
    ")",
    ...below,
  ].join("\n");
}

function panelQuery(panel: PanelDefinition): string {
  if (panel.kind === "timeseries" || panel.kind === "state-timeline") return chart(panel);
  if (panel.kind === "table") return fleetLatest(panel);
  if (panel.scope === "fleet") return fleetCount(panel);
  return deviceLatest(panel);
}

export const TIMESTREAM: QueryDialect = {
  pluginId: "grafana-timestream-datasource",
  queryField: "rawQuery",
  panelQueries: (panel) => [panelQuery(panel)],
  deviceQuery: `SELECT DISTINCT thing FROM ${TABLE} WHERE $__timeFilter AND ${column(DEVICE_PRESENCE_MEASURE)} IS NOT NULL ORDER BY thing`,
  fleetSeries: {
    transformations: [
      { id: "partitionByValues", options: { fields: ["thing"], keepFields: false } },
    ],
  },
};
