import type { Builder, Dataquery } from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";

/**
 * A query target of a plugin the SDK has no builder for (grafana-timestream-datasource; the
 * InfluxDB data source in Flux mode): the query text under the plugin's own field, as the
 * SDK's README shows for custom query types.
 */
interface RawQuery extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  [field: string]: unknown;
}

export class RawQueryBuilder implements Builder<Dataquery> {
  readonly #query: RawQuery;

  constructor(options: {
    refId: string;
    datasource: DataSourceRef;
    field: "rawQuery" | "query";
    text: string;
  }) {
    this.#query = {
      refId: options.refId,
      datasource: options.datasource,
      [options.field]: options.text,
      _implementsDataqueryVariant() {},
    };
  }

  build(): Dataquery {
    return this.#query;
  }
}
