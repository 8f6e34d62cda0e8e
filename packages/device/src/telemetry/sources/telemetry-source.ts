import type { TelemetrySectionName, TelemetrySections } from "@fleet/core/contracts";

/** Sections a source produces; the heartbeat is the device client's own. */
export type SourceSection = Exclude<TelemetrySectionName, "heartbeat">;

/** One optional section of the telemetry message, read once per interval. */
export interface TelemetrySource<K extends SourceSection = SourceSection> {
  readonly section: K;
  /** The reading at `now` (epoch ms); a rejection leaves the section out of that message. */
  read(now: number): Promise<NonNullable<TelemetrySections[K]>>;
}

export type AnyTelemetrySource = { [K in SourceSection]: TelemetrySource<K> }[SourceSection];
