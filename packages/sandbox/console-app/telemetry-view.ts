import { DASHBOARDS, PANELS, type PanelDefinition } from "@fleet/core/panel-catalogue";
import type { ConsoleApi } from "./console-api.ts";
import { el, fill } from "./dom.ts";
import type { LiveView } from "./live.ts";
import { type PanelView, panelView } from "./panel-view.ts";
import { TelemetryStore } from "./telemetry-store.ts";

/** Time ranges offered, back from now. */
const RANGES = [
  { label: "5 minutes", ms: 5 * 60_000 },
  { label: "15 minutes", ms: 15 * 60_000 },
  { label: "1 hour", ms: 3_600_000 },
  { label: "6 hours", ms: 6 * 3_600_000 },
] as const;
const DEFAULT_RANGE_MS = 15 * 60_000;

/** The catalogue's one-device dashboards (board health and LED, vehicle), drawn per device. */
const DEVICE_DASHBOARDS = DASHBOARDS.filter((dashboard) => dashboard.scope === "device");

/** Panels the console draws; fleet-wide tables stay on the stage's Grafana. */
const drawn = (panel: PanelDefinition) =>
  panel.scope === "device" && panel.kind !== "table" && panel.measures.every((m) => !m.transform);

/**
 * Telemetry: a device and a time range to pick, and the catalogue's device panels (the panels
 * the Grafana dashboards are generated from) filled from the operator API's telemetry query.
 */
export function telemetryView(root: HTMLElement, api: ConsoleApi): LiveView {
  const deviceSelect = el("select", { name: "device", "aria-label": "Device" });
  const rangeSelect = el(
    "select",
    { name: "range", "aria-label": "Time range" },
    ...RANGES.map((range) =>
      el("option", { value: range.ms, selected: range.ms === DEFAULT_RANGE_MS }, range.label),
    ),
  );
  const dashboards = el("div", { class: "dashboards" });
  root.append(el("div", { class: "controls" }, deviceSelect, rangeSelect), dashboards);

  const panels: PanelView[] = [];
  fill(
    dashboards,
    ...DEVICE_DASHBOARDS.map((dashboard) => {
      const views = PANELS.filter((p) => p.dashboard === dashboard.id && drawn(p)).map(panelView);
      panels.push(...views);
      return el(
        "section",
        { class: "dashboard", "data-dashboard": dashboard.id },
        el("h3", { title: dashboard.description }, dashboard.title),
        el("div", { class: "panels" }, ...views.map((view) => view.element)),
      );
    }),
  );

  let store: TelemetryStore | undefined;
  const restart = () => {
    const thing = deviceSelect.value;
    store = thing === "" ? undefined : new TelemetryStore(api, thing, Number(rangeSelect.value));
    void refresh();
  };
  deviceSelect.addEventListener("change", restart);
  rangeSelect.addEventListener("change", restart);

  const refresh = async () => {
    const current = store;
    if (current === undefined) return;
    await current.refresh();
    // A change of device or range while the query ran: its answer is for the old store.
    if (current === store) for (const panel of panels) panel.draw(current);
  };

  return {
    async refresh() {
      const things = (await api.listDevices())
        .map((device) => device.thingName)
        .filter((name) => name !== null);
      updateOptions(deviceSelect, things);
      // The first device to appear, or the selected one gone (revoked): draw the one shown.
      if (store?.thing !== (deviceSelect.value || undefined)) restart();
      else await refresh();
    },
  };
}

/** Keeps the selection; adds devices that appeared. */
function updateOptions(select: HTMLSelectElement, names: readonly string[]): void {
  const shown = [...select.options].map((option) => option.value);
  if (shown.join() === names.join()) return;
  const selected = select.value;
  fill(
    select,
    ...names.map((name) => el("option", { value: name, selected: name === selected }, name)),
  );
}
