import type { PanelDefinition, PanelMeasure } from "@fleet/core/panel-catalogue";
import uPlot from "uplot";
import { el, fill } from "./dom.ts";
import { series } from "./panel-series.ts";
import type { TelemetryStore } from "./telemetry-store.ts";
import { formatValue } from "./units.ts";

/** One catalogue panel drawn for the selected device. */
export interface PanelView {
  element: HTMLElement;
  draw(store: TelemetryStore): void;
}

const PALETTE = ["#3274d9", "#e0752d", "#56a64b", "#a352cc", "#d44a3a", "#37872d"];
const CHART_HEIGHT = 160;

/**
 * The console's drawing of a panel: a time series as a uPlot chart (one line per measure, a
 * counter's `rate` as its per-second increase), a state timeline as one colored strip per
 * measure, a stat as each measure's latest value. The element carries `data-points`, the
 * readings drawn, so a test can watch a chart fill.
 */
export function panelView(panel: PanelDefinition): PanelView {
  const body = el("div", { class: "panel-body" });
  const element = el(
    "figure",
    { class: `panel ${panel.kind}`, "data-panel": panel.id, "data-points": 0 },
    el("figcaption", { title: panel.description ?? "" }, panel.title),
    body,
  );
  const draw = drawer(panel, body);
  return {
    element,
    draw(store) {
      const points = panel.measures.reduce((n, m) => n + store.readings(m.measure).length, 0);
      element.dataset.points = String(points);
      draw(store);
    },
  };
}

function drawer(panel: PanelDefinition, body: HTMLElement): (store: TelemetryStore) => void {
  if (panel.kind === "timeseries") return timeSeries(panel, body);
  if (panel.kind === "state-timeline") return (store) => stateTimeline(panel, body, store);
  return (store) => stat(panel, body, store);
}

function timeSeries(panel: PanelDefinition, body: HTMLElement): (store: TelemetryStore) => void {
  const format = (value: number | null) =>
    value === null ? "—" : formatValue(value, panel.unit, panel.decimals);
  const chart = new uPlot(
    {
      width: 400,
      height: CHART_HEIGHT,
      scales: panel.range ? { y: { range: [panel.range.min, panel.range.max] } } : {},
      // Labels only: values under the cursor would reflow the legend as the mouse moves.
      legend: { live: false },
      axes: [{}, { size: 80, values: (_, splits) => splits.map(format) }],
      series: [
        {},
        ...panel.measures.map((measure, i) => ({
          label: measure.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: true,
          value: (_: uPlot, value: number | null) => format(value),
        })),
      ],
    },
    [[], ...panel.measures.map(() => [])],
    body,
  );
  new ResizeObserver(() => {
    if (body.clientWidth > 0) chart.setSize({ width: body.clientWidth, height: CHART_HEIGHT });
  }).observe(body);
  return (store) => {
    const tables = panel.measures.map((measure) =>
      series(store.readings(measure.measure), panel.aggregation),
    );
    chart.setData(uPlot.join(tables.map(({ times, values }) => [times, values])));
    body.classList.toggle(
      "empty",
      tables.every(({ times }) => times.length === 0),
    );
  };
}

/** Each measure as a strip of segments colored by state, its latest state named. */
function stateTimeline(panel: PanelDefinition, body: HTMLElement, store: TelemetryStore): void {
  fill(
    body,
    ...panel.measures.map((measure) => {
      const readings = store.readings(measure.measure);
      const first = readings[0]?.[0] ?? 0;
      const span = Math.max(1, (readings.at(-1)?.[0] ?? 0) - first);
      const segments = readings.map(([time, value], i) => {
        const state = panel.states?.[String(value)];
        const until = readings[i + 1]?.[0] ?? time;
        const segment = el("span", {
          class: `segment ${state?.color ?? "text"}`,
          title: state?.text ?? String(value),
        });
        // Through the CSSOM: the page's CSP refuses style attributes.
        segment.style.flexGrow = String((until - time) / span);
        return segment;
      });
      const latest = readings.at(-1)?.[1];
      return el(
        "div",
        { class: "state-row" },
        el("span", { class: "state-label" }, measure.label),
        el("span", { class: "strip" }, ...segments),
        el("span", { class: "state-now" }, latest === undefined ? "—" : stateText(panel, latest)),
      );
    }),
  );
}

function stateText(panel: PanelDefinition, value: number | string | boolean): string {
  return panel.states?.[String(value)]?.text ?? String(value);
}

/** Each measure's latest reading. */
function stat(panel: PanelDefinition, body: HTMLElement, store: TelemetryStore): void {
  fill(
    body,
    ...panel.measures.map((measure) => {
      const latest = store.readings(measure.measure).at(-1)?.[1];
      return el(
        "div",
        { class: "stat-value" },
        el("span", { class: "stat-label" }, measure.label),
        el("strong", {}, latest === undefined ? "—" : statText(measure, panel, latest)),
      );
    }),
  );
}

function statText(
  measure: PanelMeasure,
  panel: PanelDefinition,
  value: number | string | boolean,
): string {
  if (typeof value !== "number") return String(value);
  return formatValue(value, measure.unit ?? panel.unit, measure.decimals ?? panel.decimals);
}
