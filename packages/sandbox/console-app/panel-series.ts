import type { Aggregation } from "@fleet/core/panel-catalogue";
import type { Reading } from "./telemetry-store.ts";

/** A chart line: times (epoch seconds) and values, of equal length. */
export interface Series {
  times: number[];
  values: number[];
}

/**
 * A measure's numeric readings as a chart line. The console draws every reading (it has no
 * intervals to aggregate over), except a `rate` panel's counters (bytes since boot): those
 * become their per-second increase between readings, with no point across a counter that went
 * down (the board rebooted and counts from zero again).
 */
export function series(readings: readonly Reading[], aggregation: Aggregation): Series {
  const numeric = readings.filter(
    (reading): reading is readonly [number, number] => typeof reading[1] === "number",
  );
  if (aggregation !== "rate") {
    return { times: numeric.map(([time]) => time), values: numeric.map(([, value]) => value) };
  }
  const line: Series = { times: [], values: [] };
  numeric.forEach(([time, value], i) => {
    const [before, last] = numeric[i - 1] ?? [time, Number.NaN];
    if (time > before && value >= last) {
      line.times.push(time);
      line.values.push((value - last) / (time - before));
    }
  });
  return line;
}
