import type { PanelDefinition, Thresholds } from "@fleet/core/panel-catalogue";
import type { Builder } from "@grafana/grafana-foundation-sdk/cog";
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  type DataSourceRef,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TableCellDisplayMode,
  TableCellHeight,
  TableSortByFieldStateBuilder,
  TimelineValueAlignment,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  type DynamicConfigValue,
  MappingType,
  type Panel,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as StateTimelinePanelBuilder } from "@grafana/grafana-foundation-sdk/statetimeline";
import { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import type { QueryDialect } from "./query-dialect.ts";
import { RawQueryBuilder } from "./raw-query.ts";

export interface PanelContext {
  id: number;
  dialect: QueryDialect;
  datasource: DataSourceRef;
  /** Grafana uid of the dashboard a catalogue dashboard id becomes, for links. */
  dashboardUid(id: NonNullable<PanelDefinition["linksTo"]>): string;
}

function thresholds(value: Thresholds | undefined): ThresholdsConfigBuilder {
  const steps = value?.steps ?? [];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    // Grafana's base step has no value (null: from minus infinity).
    { color: value?.base ?? "green", value: null },
    ...steps.map((step) => ({ color: step.color, value: step.from })),
  ]);
}

/** Per-value settings of one result field, where they differ from the panel's. */
function fieldOverrides(
  panel: PanelDefinition,
  context: PanelContext,
): { name: string; properties: DynamicConfigValue[] }[] {
  const overrides = panel.measures.map((measure) => {
    const properties: DynamicConfigValue[] = [];
    // A device's panel draws one series per measure: its legend is the measure's label.
    if (panel.scope === "device") properties.push({ id: "displayName", value: measure.label });
    if (measure.unit !== undefined) properties.push({ id: "unit", value: measure.unit });
    if (measure.decimals !== undefined) {
      properties.push({ id: "decimals", value: measure.decimals });
    }
    if (measure.thresholds !== undefined) {
      properties.push({ id: "thresholds", value: thresholds(measure.thresholds).build() });
      if (panel.kind === "table") {
        properties.push({
          id: "custom.cellOptions",
          value: { type: TableCellDisplayMode.ColorBackground },
        });
      }
    }
    return { name: measure.field, properties };
  });
  if (panel.linksTo !== undefined) {
    const url = `/d/${context.dashboardUid(panel.linksTo)}?var-device=\${__value.raw}&\${__url_time_range}`;
    overrides.unshift({
      name: "thing",
      properties: [{ id: "links", value: [{ title: "Device detail", url }] }],
    });
  }
  return overrides.filter((override) => override.properties.length > 0);
}

/** The settings every kind shares, on any of the SDK's panel builders. */
interface CommonBuilder extends Builder<Panel> {
  id(id: number): this;
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: DataSourceRef): this;
  gridPos(gridPos: { x: number; y: number; w: number; h: number }): this;
  withTarget(target: RawQueryBuilder): this;
  unit(unit: string): this;
  decimals(decimals: number): this;
  min(min: number): this;
  max(max: number): this;
  thresholds(thresholds: ThresholdsConfigBuilder): this;
  overrideByName(name: string, properties: DynamicConfigValue[]): this;
}

function common<B extends CommonBuilder>(
  builder: B,
  panel: PanelDefinition,
  context: PanelContext,
): B {
  builder
    .id(context.id)
    .title(panel.title)
    .datasource(context.datasource)
    // x and y 0: the dashboard builder places the panel after the previous one.
    .gridPos({ x: 0, y: 0, w: panel.layout.width, h: panel.layout.height })
    .unit(panel.unit)
    .thresholds(thresholds(panel.thresholds));
  if (panel.description !== undefined) builder.description(panel.description);
  if (panel.decimals !== undefined) builder.decimals(panel.decimals);
  if (panel.range !== undefined) builder.min(panel.range.min).max(panel.range.max);
  context.dialect.panelQueries(panel).forEach((text, i) => {
    builder.withTarget(
      new RawQueryBuilder({
        refId: String.fromCharCode(65 + i),
        datasource: context.datasource,
        field: context.dialect.queryField,
        text,
      }),
    );
  });
  for (const { name, properties } of fieldOverrides(panel, context)) {
    builder.overrideByName(name, properties);
  }
  return builder;
}

const legend = () =>
  new VizLegendOptionsBuilder()
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom)
    .showLegend(true);

function timeseries(panel: PanelDefinition, context: PanelContext): Builder<Panel> {
  const builder = common(new TimeseriesPanelBuilder(), panel, context)
    .drawStyle(GraphDrawStyle.Line)
    .lineWidth(1)
    // A fleet chart's lines cross: filled, they would hide each other.
    .fillOpacity(panel.scope === "fleet" ? 0 : 10)
    .spanNulls(true)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.None));
  if (panel.scope === "fleet") {
    const { transformations, displayName } = context.dialect.fleetSeries;
    for (const transformation of transformations) builder.withTransformation(transformation);
    if (displayName !== undefined) builder.displayName(displayName);
  }
  return builder;
}

function stat(panel: PanelDefinition, context: PanelContext): Builder<Panel> {
  return common(new StatPanelBuilder(), panel, context)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("").values(false))
    .colorMode(panel.thresholds ? BigValueColorMode.Background : BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.None)
    .textMode(panel.scope === "device" ? BigValueTextMode.ValueAndName : BigValueTextMode.Value)
    .orientation(VizOrientation.Auto)
    .justifyMode(BigValueJustifyMode.Auto);
}

function table(panel: PanelDefinition, context: PanelContext): Builder<Panel> {
  return common(new TablePanelBuilder(), panel, context)
    .showHeader(true)
    .cellHeight(TableCellHeight.Sm)
    .sortBy([new TableSortByFieldStateBuilder().displayName(panel.sortBy ?? "thing").desc(false)]);
}

function stateTimeline(panel: PanelDefinition, context: PanelContext): Builder<Panel> {
  const options = Object.fromEntries(
    Object.entries(panel.states ?? {}).map(([value, state], index) => [value, { ...state, index }]),
  );
  return common(new StateTimelinePanelBuilder(), panel, context)
    .fillOpacity(70)
    .lineWidth(0)
    .mappings([{ type: MappingType.ValueToText, options }])
    .showValue(VisibilityMode.Auto)
    .mergeValues(true)
    .alignValue(TimelineValueAlignment.Left)
    .rowHeight(0.9)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Single).sort(SortOrder.None));
}

const BY_KIND: Record<PanelDefinition["kind"], typeof timeseries> = {
  timeseries,
  stat,
  table,
  "state-timeline": stateTimeline,
};

/** The Grafana panel showing a catalogue panel, its queries in the dialect's store syntax. */
export function grafanaPanel(panel: PanelDefinition, context: PanelContext): Builder<Panel> {
  return BY_KIND[panel.kind](panel, context);
}
