import type { TelemetryStoreSettings } from "@fleet/core/contracts";
import { FLUX } from "./flux-queries.ts";
import type { QueryDialect } from "./query-dialect.ts";
import { TIMESTREAM } from "./timestream-queries.ts";

/** The telemetry stores a stage can choose, each with dashboards of its own. */
export type Store = TelemetryStoreSettings["kind"];

interface StoreTarget {
  dialect: QueryDialect;
  /** Shown in titles. */
  name: string;
  uidPrefix: string;
}

export const STORE_TARGETS: Record<Store, StoreTarget> = {
  timestream: { dialect: TIMESTREAM, name: "Timestream", uidPrefix: "fleet-ts" },
  influxdb: { dialect: FLUX, name: "InfluxDB", uidPrefix: "fleet-influx" },
};
