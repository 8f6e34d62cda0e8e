import {
  DASHBOARDS,
  type DashboardDefinition,
  type DashboardId,
  panelsOf,
} from "@fleet/core/panel-catalogue";
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { grafanaPanel } from "./grafana-panel.ts";
import { STORE_TARGETS, type Store } from "./stores.ts";

/**
 * The schema version written: Grafana 10.4, the oldest version Amazon Managed Grafana still
 * offers, reads up to 39; the SDK stamps its own (42). Nothing written here needs a later
 * one, and a newer Grafana migrates a 39 forward when it loads the file.
 */
const SCHEMA_VERSION = 39;

function dashboardUid(store: Store, id: DashboardId): string {
  const slug = DASHBOARDS.find((dashboard) => dashboard.id === id)?.slug;
  if (slug === undefined) throw new Error(`no dashboard ${id} in the catalogue`);
  return `${STORE_TARGETS[store].uidPrefix}-${slug}`;
}

/** A catalogue dashboard as Grafana's dashboard model, querying the store's data source. */
export function grafanaDashboard(store: Store, definition: DashboardDefinition): Dashboard {
  const { dialect, name } = STORE_TARGETS[store];
  const datasource = { type: dialect.pluginId, uid: "${datasource}" };
  const tags = ["fleet", store];
  const builder = new DashboardBuilder(`Fleet / ${definition.title} (${name})`)
    .uid(dashboardUid(store, definition.id))
    .description(definition.description)
    .tags(tags)
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .timezone("browser")
    .refresh("30s")
    .time({ from: `now-${definition.timeRange}`, to: "now" })
    // An empty list: Grafana 10.4 reads `annotations.list` and adds its built-in query to it.
    .annotations([])
    .link(
      new DashboardLinkBuilder("Fleet dashboards")
        .type(DashboardLinkType.Dashboards)
        .tags(tags)
        .asDropdown(true)
        .keepTime(true),
    )
    .withVariable(
      new DatasourceVariableBuilder("datasource").label("Data source").type(dialect.pluginId),
    );
  if (definition.scope === "device") {
    builder.withVariable(
      new QueryVariableBuilder("device")
        .label("Device")
        .description("Thing name of a device that sent a heartbeat in the time range")
        .datasource(datasource)
        .query(dialect.deviceQuery)
        .definition(dialect.deviceQuery)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  }
  let id = 0;
  let row: string | undefined;
  for (const panel of panelsOf(definition.id)) {
    if (panel.row !== undefined && panel.row !== row) {
      id += 1;
      builder.withRow(new RowBuilder(panel.row).id(id));
    }
    row = panel.row;
    id += 1;
    builder.withPanel(
      grafanaPanel(panel, {
        id,
        dialect,
        datasource,
        dashboardUid: (target) => dashboardUid(store, target),
      }),
    );
  }
  const dashboard = builder.build();
  return {
    ...dashboard,
    schemaVersion: SCHEMA_VERSION,
    // The SDK places links in Grafana 12's controls menu; left out, every Grafana shows them
    // above the panels.
    links: dashboard.links?.map(({ placement: _placement, ...link }) => link),
  };
}
