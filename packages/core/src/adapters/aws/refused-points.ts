import { FleetError } from "../../errors.ts";
import type { RejectedPoint } from "../../ports/telemetry-store.ts";

/** Refuses a batch over the store's limit: a caller's bug, not a property of the points. */
export function assertBatchSize(store: string, size: number, max: number): void {
  if (size > max) {
    throw new FleetError(`${store} writes at most ${max} points per call, got ${size}`);
  }
}

/**
 * Finds which points a store refused when it refused a batch without saying which (a
 * ValidationException, an InfluxDB 400/422): writes them one at a time. Rewriting a point
 * that was already stored is harmless in both stores (same time, same values). `writeOne`
 * gives the reason a single point was refused, or null once it is stored; what it throws
 * (throttling, an outage) fails the whole batch as before.
 */
export async function isolateRefusedPoints<P>(
  points: readonly { index: number; point: P }[],
  writeOne: (point: P) => Promise<string | null>,
): Promise<RejectedPoint[]> {
  const rejected: RejectedPoint[] = [];
  // One at a time: a refused batch is rare, and this must not add a burst to a busy store.
  for (const { index, point } of points) {
    const reason = await writeOne(point);
    if (reason !== null) rejected.push({ index, reason, retryable: false });
  }
  return rejected;
}
