/**
 * The text Timestream receives for a dashboard query, expanded as Grafana and the
 * grafana-timestream-datasource plugin expand it:
 * 1. Grafana's template variables (`${device:sqlstring}`), in the browser;
 * 2. the plugin's macros, in its backend: `Interpolate` in pkg/timestream/macros.go
 *    (grafana/timestream-datasource a5a3f54c6287f3bdc16173b464929781aa68855b), which replaces
 *    each `$__name` by plain text, longest name first, and inserts `$__database`, `$__table`
 *    and `$__measure` raw: quoting them is the data source settings' job.
 */

export interface TimestreamSettings {
  /** `defaultDatabase` as provisioned, e.g. `"fleet-dev"` (quotes included). */
  database: string;
  table: string;
  measure?: string;
}

export interface PanelContext {
  from: Date;
  to: Date;
  intervalMs: number;
  /** Template variable values, e.g. `{ device: "thing-1" }`. */
  variables: Record<string, string>;
}

export function expandTimestreamQuery(
  rawQuery: string,
  settings: TimestreamSettings,
  panel: PanelContext,
): string {
  return expandMacros(expandTemplateVariables(rawQuery, panel.variables), settings, panel);
}

/** Grafana's `sqlstring` format: a single-quoted literal with `'` doubled. */
function expandTemplateVariables(query: string, variables: Record<string, string>): string {
  return query.replace(/\$\{(\w+)(?::(\w+))?\}/g, (text, name: string, format?: string) => {
    const value = variables[name];
    if (value === undefined) return text;
    if (format === "sqlstring") return `'${value.replaceAll("'", "''")}'`;
    if (format === undefined || format === "raw") return value;
    throw new Error(`template variable format ${format} is not modelled here`);
  });
}

function expandMacros(query: string, settings: TimestreamSettings, panel: PanelContext): string {
  const from = panel.from.getTime();
  const to = panel.to.getTime();
  const macros: Record<string, string> = {
    timeFilter: `time BETWEEN from_milliseconds(${from}) AND from_milliseconds(${to})`,
    timeFrom: String(from),
    timeTo: String(to),
    // `$__interval_ms` is a Timestream duration literal (`60000ms`), not a number.
    interval: `${panel.intervalMs}ms`,
    interval_ms: `${panel.intervalMs}ms`,
    interval_raw_ms: String(panel.intervalMs),
    now_ms: String(panel.to.getTime()),
    database: settings.database,
    table: settings.table,
    measure: settings.measure ?? "",
  };
  const names = Object.keys(macros).sort((a, b) => b.length - a.length);
  let expanded = query;
  for (const name of names) expanded = expanded.replaceAll(`$__${name}`, macros[name] ?? "");
  return expanded;
}
