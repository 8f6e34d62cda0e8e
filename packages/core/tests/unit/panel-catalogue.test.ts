import { AirbagStateSchema, splitMeasure, TELEMETRY_SECTION_NAMES } from "@fleet/core/contracts";
import { DASHBOARDS, PANELS, panelsOf } from "@fleet/core/panel-catalogue";
import { describe, expect, it } from "vitest";

const GRID_COLUMNS = 24;

describe("panel catalogue", () => {
  it("gives every panel and dashboard an id of its own, panels named after their dashboard", () => {
    const ids = PANELS.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(DASHBOARDS.map((d) => d.slug)).size).toBe(DASHBOARDS.length);
    for (const panel of PANELS) expect(panel.id.startsWith(`${panel.dashboard}.`)).toBe(true);
  });

  it("fills each line of each dashboard's 24-column grid, rows starting new lines", () => {
    for (const dashboard of DASHBOARDS) {
      let width = 0;
      let row: string | undefined;
      for (const panel of panelsOf(dashboard.id)) {
        if (panel.row !== row) {
          expect(width, `${panel.id}: the line before row "${panel.row}"`).toBe(0);
          row = panel.row;
        }
        width += panel.layout.width;
        expect(width, panel.id).toBeLessThanOrEqual(GRID_COLUMNS);
        if (width === GRID_COLUMNS) width = 0;
      }
      expect(width, `${dashboard.id}: last line`).toBe(0);
    }
  });

  it("names each value a query returns, at least one, once per panel, in lower snake case", () => {
    for (const panel of PANELS) {
      const fields = panel.measures.map((measure) => measure.field);
      expect(fields.length, `${panel.id} shows nothing`).toBeGreaterThan(0);
      expect(new Set(fields).size, panel.id).toBe(fields.length);
      for (const field of fields) expect(field, panel.id).toMatch(/^[a-z][a-z0-9_]*$/);
      if (panel.sortBy !== undefined && panel.sortBy !== "last_seen") {
        expect(fields, panel.id).toContain(panel.sortBy);
      }
    }
  });

  it("reads section.path measures of the telemetry sections", () => {
    for (const { id, measures } of PANELS) {
      for (const { measure } of measures) {
        const section = splitMeasure(measure)?.section;
        expect(TELEMETRY_SECTION_NAMES, `${id}: ${measure}`).toContain(section);
      }
    }
  });

  it("keeps the fleet-only settings on fleet panels and the options each kind needs", () => {
    for (const panel of PANELS) {
      if (panel.where || panel.linksTo || panel.sortBy) expect(panel.scope, panel.id).toBe("fleet");
      if (panel.where) expect([panel.kind, panel.aggregation], panel.id).toEqual(["stat", "count"]);
      if (panel.kind === "state-timeline") expect(panel.states, panel.id).toBeDefined();
      if (panel.kind === "table") expect(panel.aggregation, panel.id).toBe("last");
    }
  });

  it("colors every airbag state the contract defines", () => {
    const airbags = PANELS.find((panel) => panel.id === "vehicle-simulator.airbags");
    expect(Object.keys(airbags?.states ?? {}).sort()).toEqual(
      [...AirbagStateSchema.options].sort(),
    );
  });
});
