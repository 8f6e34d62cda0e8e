import { describe, expect, it } from "vitest";
import { ALL_DASHBOARDS, queries } from "./dashboard-files.ts";
import { expandFluxQuery, type FluxContext, fluxProblems } from "./flux-check.ts";

/**
 * Each Flux query, expanded as Grafana expands it, parsed and type-checked by influxdata's
 * Flux language server compiled to wasm (flux-validate.ts says what that leaves unseen).
 */

const CONTEXT: FluxContext = {
  from: new Date("2026-12-06T05:00:00Z"),
  to: new Date("2026-12-06T06:00:00Z"),
  intervalMs: 60_000,
  bucket: "telemetry",
  variables: { device: "thing-1" },
};

const FLUX_QUERIES = ALL_DASHBOARDS.filter((file) => file.store === "influxdb").flatMap(queries);
const PROBLEMS = fluxProblems(FLUX_QUERIES.map((query) => expandFluxQuery(query.text, CONTEXT)));

describe("InfluxDB dashboard queries as InfluxDB receives them", () => {
  it.each(FLUX_QUERIES.map((query, i) => ({ ...query, problems: PROBLEMS[i] })))(
    "$where is valid Flux",
    ({ problems }) => {
      expect(problems).toEqual([]);
    },
  );

  it("expands Grafana's v.* variables into Flux literals", () => {
    const flux = expandFluxQuery(
      "from(bucket: v.defaultBucket) |> range(start: v.timeRangeStart, stop: v.timeRangeStop) |> aggregateWindow(every: v.windowPeriod, fn: mean)",
      CONTEXT,
    );
    expect(flux).toBe(
      'from(bucket: "telemetry") |> range(start: 2026-12-06T05:00:00Z, stop: 2026-12-06T06:00:00Z) |> aggregateWindow(every: 1m0s, fn: mean)',
    );
  });
});

describe("the Flux query check", () => {
  it("refuses a syntax error and an unknown function parameter", () => {
    const [syntax, parameter, valid] = fluxProblems([
      'from(bucket: "telemetry" |> range(start: -1h)',
      'from(bucket: "telemetry") |> range(start: -1h) |> filter(fnn: (r) => true)',
      'from(bucket: "telemetry") |> range(start: -1h) |> filter(fn: (r) => true)',
    ]);
    expect(syntax).toEqual(expect.arrayContaining([expect.stringContaining("expected RPAREN")]));
    expect(parameter).toEqual(["the Flux semantic check (types, function signatures) fails"]);
    expect(valid).toEqual([]);
  });

  it("refuses the queries unexpanded, where v is undefined", () => {
    const [unexpanded] = fluxProblems([FLUX_QUERIES[0]?.text ?? ""]);
    expect(unexpanded).not.toEqual([]);
  });
});
