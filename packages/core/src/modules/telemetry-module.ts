import type { DeadLetterSink } from "../ports/dead-letter-sink.ts";
import type { TelemetryStore } from "../ports/telemetry-store.ts";
import { createIngestTelemetry, type IngestTelemetry } from "../use-cases/ingest-telemetry.ts";
import type { UseCaseLogger } from "../use-cases/logger.ts";
import { lazyMembers } from "./lazy-members.ts";

/** What telemetry ingest runs on: the store (Timestream, InfluxDB, DuckDB) and the dead letters. */
export interface TelemetryPorts {
  store: TelemetryStore;
  deadLetters: DeadLetterSink;
  clock: () => Date;
  logger?: UseCaseLogger;
}

export interface TelemetryModule {
  /** Writes a batch of stream records to the store (`createIngestTelemetry`). */
  readonly ingest: IngestTelemetry;
}

/** Telemetry ingest, wired once for a stage's stream function and the sandbox's poller. */
export function telemetryModule(ports: TelemetryPorts): TelemetryModule {
  return lazyMembers<TelemetryModule>({
    ingest: () =>
      createIngestTelemetry({
        store: ports.store,
        deadLetters: ports.deadLetters,
        clock: ports.clock,
        logger: ports.logger,
      }),
  });
}
