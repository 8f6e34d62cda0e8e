import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PANELS } from "@fleet/core/panel-catalogue";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { describe, expect, it } from "vitest";
import { generatedDashboardFiles } from "../../scripts/dashboards/dashboard-files.ts";
import { ALL_DASHBOARDS, DASHBOARDS_DIR, STORES } from "./dashboard-files.ts";
import { dashboardSchemaProblems } from "./grafana-schema.ts";

const ROOT = join(DASHBOARDS_DIR, "..");
const GENERATED = generatedDashboardFiles();

describe("dashboards generated from the panel catalogue", () => {
  it.each(GENERATED)("$path is what `npm run dashboards` writes", ({ path, text }) => {
    expect(readFileSync(join(ROOT, path), "utf8"), "run `npm run dashboards`").toBe(text);
  });

  it.each(STORES)("dashboards/%s holds only generated dashboards", (store) => {
    const committed = readdirSync(join(DASHBOARDS_DIR, store)).map(
      (f) => `dashboards/${store}/${f}`,
    );
    const generated = GENERATED.map((file) => file.path).filter((p) => p.includes(`/${store}/`));
    expect(committed.sort()).toEqual(generated.sort());
  });

  it("keeps every panel of the hand-written dashboards it replaced", () => {
    const titles = (file: string) =>
      (
        ALL_DASHBOARDS.find((d) => d.store === "timestream" && d.file === file)?.dashboard.panels ??
        []
      )
        .filter((panel) => panel.type !== "row")
        .map((panel) => panel.title);
    expect(titles("fleet-overview.json")).toEqual([
      "Devices reporting",
      "Devices",
      "Messages per device",
      "Offline buffer queue",
      "CPU temperature",
      "Load (1 min)",
      "Battery state of charge",
    ]);
    expect(titles("device-detail.json")).toEqual([
      "Client",
      "Offline buffer",
      "CPU temperature",
      "Load average",
      "Memory",
      "Root filesystem",
      "Board uptime",
      "Network",
      "LED",
      "Blink frequency",
    ]);
    expect(titles("vehicle-simulator.json")).toEqual([
      "Speed",
      "Acceleration",
      "State of charge",
      "Battery temperature",
      "Energy added (regenerative braking)",
      "Brake pressure",
      "Wheel speed",
      "Cabin temperature vs setpoint",
      "Fan level",
      "Airbags",
      "Seat belts",
    ]);
    expect(titles("certificate-expiry.json")).toEqual([
      "Certificates expiring within 30 days",
      "Certificate expiry per device",
    ]);
  });
});

describe("what Grafana 10.4 (the oldest Amazon Managed Grafana) reads", () => {
  it.each(ALL_DASHBOARDS)(
    "$store/$file: schema 39, an annotations list, links above the panels",
    ({ dashboard }) => {
      const raw = dashboard as { annotations?: { list?: unknown }; links?: object[] };
      // The SDK writes schema 42 and `annotations: {}`; 10.4 adds its built-in query to `.list`.
      expect(dashboard.schemaVersion).toBe(39);
      expect(raw.annotations?.list).toEqual([]);
      // The SDK's `placement: inControlsMenu` hides links in Grafana 12's controls menu.
      for (const link of raw.links ?? []) expect(link).not.toHaveProperty("placement");
    },
  );
});

describe("Grafana's published dashboard schema", () => {
  it.each(ALL_DASHBOARDS)("accepts $store/$file", ({ dashboard }) => {
    expect(dashboardSchemaProblems(dashboard)).toEqual([]);
  });

  it("refuses an unknown property, a misspelt option and a value outside an enum", () => {
    const dashboard = structuredClone(ALL_DASHBOARDS[0]?.dashboard ?? {});
    const panel = dashboard.panels?.find((p) => p.type === "table") as Record<string, unknown>;
    Object.assign(dashboard, { bogus: 1 });
    Object.assign(panel.options as object, { cellHeigth: "sm", showHeader: "yes" });
    expect(dashboardSchemaProblems(dashboard)).toEqual([
      'dashboard: Unrecognized key: "bogus"',
      `panel "${panel.title}" options.showHeader: Invalid input: expected boolean, received string`,
      `panel "${panel.title}" options: Unrecognized key: "cellHeigth"`,
    ]);
  });

  it("knows every unit the catalogue names: Grafana's unit ids, as the SDK lists them", () => {
    const known = new Set(Object.values(units).filter((value) => typeof value === "string"));
    const named = PANELS.flatMap((panel) => [
      panel.unit,
      ...panel.measures.flatMap((measure) => measure.unit ?? []),
    ]);
    for (const unit of named) expect(known, unit).toContain(unit);
  });
});
