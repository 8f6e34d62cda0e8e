/** A measure's value as the stores keep it. */
export type MeasureValue = number | string | boolean;

/**
 * One section of one telemetry message, flattened: `vehicle.battery.soc` etc. A message with
 * several sections (system, vehicle, ...) becomes several points with the same thing, time and
 * seq. Timestream keeps a whole message in one MULTI record (columns `section.path`); InfluxDB
 * keeps a point as one line (measurement = section, fields = the flattened keys).
 */
export interface TelemetryPoint {
  thing: string;
  /** Top-level section of the message, e.g. `vehicle`. */
  section: string;
  /** Device time of the reading. */
  time: Date;
  /** When IoT Core received the message (the rule's `timestamp()`). */
  receivedAt: Date;
  seq: number;
  /** Flattened measure name (without the section) -> value; at most 256 per point. */
  measures: Record<string, MeasureValue>;
}

export interface RejectedPoint {
  /** Index into the `points` passed to `write`. */
  index: number;
  reason: string;
  /** True when writing it again may succeed (throttling, a transient store error). */
  retryable: boolean;
}

/** Where telemetry is written: Timestream, Timestream for InfluxDB, or DuckDB in the sandbox. */
export interface TelemetryStore {
  /** Most points one `write` accepts. */
  readonly maxPointsPerWrite: number;
  /**
   * Set by a store that keeps all points of a message (same thing, time and seq) in one record,
   * as Timestream keeps one MULTI record per message: the most messages one `write` takes.
   * Such a store is given whole messages (every point of a message in the same write), since a
   * second write of the same record would overwrite the first; the ingest fills its writes by
   * messages. Unset: a write is bounded by points only and may cut a message anywhere.
   */
  readonly maxMessagesPerWrite?: number;
  /**
   * Writes up to `maxPointsPerWrite` points (and `maxMessagesPerWrite` messages, when set).
   * Points the store refused are returned (e.g. Timestream RejectedRecords: every point of a
   * refused record); a failure of the whole call throws.
   */
  write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }>;
}

export interface TelemetryQuery {
  thing: string;
  since: Date;
  until?: Date;
  /** Full measure name `section.path` (e.g. `vehicle.battery.soc`); all when omitted. */
  measure?: string;
  /** Most samples returned, newest first. Default 1000. */
  limit?: number;
}

export interface TelemetrySample {
  thing: string;
  time: Date;
  seq: number;
  /** Full measure name: `section.path`. */
  measure: string;
  value: MeasureValue;
}

/** Reads telemetry back for `fleet telemetry query` (same stores). */
export interface TelemetryReader {
  query(query: TelemetryQuery): Promise<TelemetrySample[]>;
}
