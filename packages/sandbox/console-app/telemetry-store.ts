import type { ConsoleApi } from "./console-api.ts";

/** One reading: epoch seconds (uPlot's x) and the value as the device sent it. */
export type Reading = readonly [time: number, value: number | string | boolean];

/**
 * One device's readings over a sliding time range, by measure, oldest first. Each refresh asks
 * the API only for what came since the newest reading it holds (the API answers newest first,
 * at most `limit` samples), and forgets what slid out of the range. A reading stored later with
 * an older time (a device's offline buffer, flushed after an outage) shows once the device or
 * range is picked again, which starts a new store.
 */
export class TelemetryStore {
  readonly #api: ConsoleApi;
  readonly thing: string;
  readonly #rangeMs: number;
  readonly #byMeasure = new Map<string, Reading[]>();
  #newestMs: number | undefined;

  constructor(api: ConsoleApi, thing: string, rangeMs: number) {
    this.#api = api;
    this.thing = thing;
    this.#rangeMs = rangeMs;
  }

  /** Fetches the readings that arrived since the last refresh; true when there were any. */
  async refresh(now = Date.now()): Promise<boolean> {
    const samples = await this.#api.queryTelemetry({
      thing: this.thing,
      since: new Date(this.#newestMs === undefined ? now - this.#rangeMs : this.#newestMs + 1),
      limit: 10_000,
    });
    for (const sample of samples.toReversed()) {
      const ms = sample.time.getTime();
      const readings = this.#byMeasure.get(sample.measure) ?? [];
      readings.push([ms / 1000, sample.value]);
      this.#byMeasure.set(sample.measure, readings);
      this.#newestMs = Math.max(this.#newestMs ?? ms, ms);
    }
    const oldest = (now - this.#rangeMs) / 1000;
    for (const readings of this.#byMeasure.values()) {
      const kept = readings.findIndex(([time]) => time >= oldest);
      readings.splice(0, kept === -1 ? readings.length : kept);
    }
    return samples.length > 0;
  }

  readings(measure: string): readonly Reading[] {
    return this.#byMeasure.get(measure) ?? [];
  }
}
