import type { PanelDefinition } from "@fleet/core/panel-catalogue";
import { describe, expect, it } from "vitest";
import { FLUX } from "../../scripts/dashboards/flux-queries.ts";
import { TIMESTREAM } from "../../scripts/dashboards/timestream-queries.ts";

const PANEL: PanelDefinition = {
  id: "fleet-overview.test",
  title: "Test",
  dashboard: "fleet-overview",
  kind: "timeseries",
  scope: "fleet",
  aggregation: "avg",
  measures: [{ measure: "system.load1", label: "Load", field: "load" }],
  unit: "none",
  layout: { width: 24, height: 8 },
};

const twoMeasures = {
  ...PANEL,
  measures: [...PANEL.measures, { measure: "system.load5", label: "Load 5", field: "load_5m" }],
};

describe("the query builders", () => {
  it.each([
    ["Timestream", TIMESTREAM],
    ["Flux", FLUX],
  ] as const)(
    "%s refuses a fleet count of two measures: one number counts one thing",
    (_, dialect) => {
      const count = { ...twoMeasures, kind: "stat", aggregation: "count" } as const;
      expect(() => dialect.panelQueries(count)).toThrow(/reads exactly one measure/);
    },
  );

  it("Flux refuses a fleet chart of two measures: its series are named after devices only", () => {
    expect(() => FLUX.panelQueries(twoMeasures)).toThrow(/reads exactly one measure/);
  });

  it("Flux refuses a table across sections: one pivot lines up the fields of one point", () => {
    const table = {
      ...twoMeasures,
      kind: "table",
      aggregation: "last",
      measures: [...PANEL.measures, { measure: "led.on", label: "LED", field: "led_on" }],
    } as const;
    expect(() => FLUX.panelQueries(table)).toThrow(/a table reads one section/);
  });

  it("Flux refuses a measure without a section", () => {
    const panel = { ...PANEL, measures: [{ measure: "load1", label: "Load", field: "load" }] };
    expect(() => FLUX.panelQueries(panel)).toThrow(/load1 is not a section.path measure/);
  });

  it("Timestream keeps the rows carrying any of the panel's measures: a board without eth0 still charts wlan0", () => {
    const network = {
      ...PANEL,
      scope: "device",
      aggregation: "rate",
      measures: [
        { measure: "system.network.eth0.rxBytes", label: "eth0", field: "eth0_rx" },
        { measure: "system.network.wlan0.rxBytes", label: "wlan0", field: "wlan0_rx" },
      ],
    } as const;
    const [sql] = TIMESTREAM.panelQueries(network);
    expect(sql).toContain(
      'AND ("system.network.eth0.rxBytes" IS NOT NULL\n    OR "system.network.wlan0.rxBytes" IS NOT NULL)',
    );
  });

  it("Timestream gives a device's panel one query, Flux one per measure", () => {
    const device = { ...twoMeasures, scope: "device" } as const;
    expect(TIMESTREAM.panelQueries(device)).toHaveLength(1);
    expect(FLUX.panelQueries(device)).toHaveLength(2);
  });
});
