import { execFileSync } from "node:child_process";
import { join } from "node:path";

const VALIDATOR = join(import.meta.dirname, "flux-validate.ts");

/**
 * The Flux text InfluxDB receives for a dashboard query, expanded as Grafana's InfluxDB data
 * source expands it (`interpolate` in pkg/tsdb/influxdb/flux/macros.go, grafana/grafana
 * 0c51631848be5b761dd02414d68fbaacf245a570): `v.timeRangeStart`/`v.timeRangeStop` become
 * RFC 3339 times, `v.windowPeriod` a Go duration (`1m0s`), `v.defaultBucket` a string; then
 * Grafana's template variables (`${device}`) are replaced raw.
 */
export interface FluxContext {
  from: Date;
  to: Date;
  intervalMs: number;
  bucket: string;
  variables: Record<string, string>;
}

export function expandFluxQuery(query: string, context: FluxContext): string {
  const values: Record<string, string> = {
    timeRangeStart: rfc3339(context.from),
    timeRangeStop: rfc3339(context.to),
    windowPeriod: goDuration(context.intervalMs),
    defaultBucket: JSON.stringify(context.bucket),
  };
  return query
    .replace(
      /([a-zA-Z]+)\.([a-zA-Z]+)/g,
      (text, _object: string, name: string) => values[name] ?? text,
    )
    .replace(/\$\{(\w+)\}/g, (text, name: string) => context.variables[name] ?? text);
}

/** Go's RFC3339Nano, which leaves out a zero fraction. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}

/** Go's time.Duration.String() for whole milliseconds: `1m0s`, `1h0m0s`, `500ms`. */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/**
 * For each Flux text, why Flux would refuse it (none when valid): see flux-validate.ts, run in
 * a Node process of its own. Not seen: what the bucket holds (measurements, fields, tags).
 */
export function fluxProblems(scripts: readonly string[]): string[][] {
  const output = execFileSync(process.execPath, [VALIDATOR], {
    input: JSON.stringify(scripts),
    encoding: "utf8",
    stdio: ["pipe", "pipe", "ignore"],
  });
  return JSON.parse(output) as string[][];
}
