import { describe, expect, it } from "vitest";
import {
  ALL_DASHBOARDS,
  dashboardFiles,
  PLUGIN_ID,
  queries,
  queryPanels,
  STORES,
} from "./dashboard-files.ts";

// Grafana 10.4 (the oldest Amazon Managed Grafana version still offered) reads schema 39.
const MAX_SCHEMA_VERSION = 39;
const GRID_COLUMNS = 24;

describe.each(ALL_DASHBOARDS)("dashboard $store/$file", ({ store, dashboard }) => {
  const panels = dashboard.panels ?? [];

  it("is a titled dashboard with a stable uid and a schema Grafana 10.4 loads", () => {
    expect(dashboard.title).toMatch(/\S/);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(MAX_SCHEMA_VERSION);
    expect(dashboard.tags).toEqual(expect.arrayContaining(["fleet", store]));
  });

  it("has panels with unique ids laid out inside the grid without overlapping", () => {
    expect(queryPanels(dashboard).length).toBeGreaterThan(0);
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      const pos = panel.gridPos;
      expect(pos, `panel "${panel.title}" gridPos`).toBeDefined();
      if (!pos) continue;
      expect(pos.x + pos.w, `panel "${panel.title}" width`).toBeLessThanOrEqual(GRID_COLUMNS);
      for (let y = pos.y; y < pos.y + pos.h; y++) {
        for (let x = pos.x; x < pos.x + pos.w; x++) {
          expect(cells.has(`${x},${y}`), `panel "${panel.title}" overlaps at ${x},${y}`).toBe(
            false,
          );
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("queries the store chosen in its data source variable from every panel and target", () => {
    const variables = dashboard.templating?.list ?? [];
    expect(variables).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource", query: PLUGIN_ID[store] }),
    );
    const selected = { type: PLUGIN_ID[store], uid: "${datasource}" };
    for (const panel of queryPanels(dashboard)) {
      expect(panel.datasource, `panel "${panel.title}"`).toEqual(selected);
      const targets = panel.targets ?? [];
      expect(targets.length, `panel "${panel.title}" targets`).toBeGreaterThan(0);
      const refIds = targets.map((target) => target.refId);
      expect(new Set(refIds).size, `panel "${panel.title}" refIds`).toBe(refIds.length);
      for (const target of targets) expect(target.datasource).toEqual(selected);
    }
    for (const variable of variables.filter((v) => v.type === "query")) {
      expect(variable.datasource, `variable ${variable.name}`).toEqual(selected);
    }
  });

  it("filters every panel on the selected device when it has a device variable", () => {
    const device = (dashboard.templating?.list ?? []).find((v) => v.name === "device");
    if (!device) {
      expect(dashboard.uid).toMatch(/-(overview|certificates)$/);
      return;
    }
    const reference =
      store === "timestream" ? "thing = ${device:sqlstring}" : 'r.thing == "${device}"';
    for (const query of queries({ store, file: "", dashboard }).filter(
      (q) => q.kind !== "variable",
    )) {
      expect(query.text, query.where).toContain(reference);
    }
  });

  it("links only to dashboards that exist", () => {
    const uids = new Set(ALL_DASHBOARDS.map(({ dashboard: d }) => d.uid));
    const links = JSON.stringify(panels).matchAll(/\/d\/([a-z0-9-]+)\?/g);
    for (const [, uid] of links) expect(uids).toContain(uid);
  });
});

describe("dashboards as code", () => {
  it("gives every dashboard a uid and a title of its own", () => {
    const uids = ALL_DASHBOARDS.map(({ dashboard }) => dashboard.uid);
    const titles = ALL_DASHBOARDS.map(({ dashboard }) => dashboard.title);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("offers the same dashboards and panels for Timestream and InfluxDB", () => {
    const [first, ...others] = STORES.map((store) =>
      dashboardFiles(store).map(({ file, dashboard }) => ({
        file,
        panels: (dashboard.panels ?? []).map((panel) => panel.title),
        variables: (dashboard.templating?.list ?? []).map((variable) => variable.name),
      })),
    );
    expect(first?.map(({ file }) => file)).toEqual([
      "certificate-expiry.json",
      "device-detail.json",
      "fleet-overview.json",
      "vehicle-simulator.json",
    ]);
    for (const other of others) expect(other).toEqual(first);
  });
});
