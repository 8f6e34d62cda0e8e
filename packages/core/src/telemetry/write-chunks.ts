import type { TelemetryPoint, TelemetryStore } from "../ports/telemetry-store.ts";

/** A point and the message it came from (any value that is the same for a message's points). */
export interface OwnedPoint<M> {
  point: TelemetryPoint;
  message: M;
}

/**
 * Cuts points into the writes `store` takes, filling each: at most `maxPointsPerWrite` points
 * a write and, for a store that keeps a message in one record (`maxMessagesPerWrite` set),
 * whole messages, at most that many a write. The points of a message must be side by side;
 * a message with more points than `maxPointsPerWrite` is the caller's to refuse beforehand.
 */
export function writeChunks<M>(
  owned: readonly OwnedPoint<M>[],
  store: Pick<TelemetryStore, "maxPointsPerWrite" | "maxMessagesPerWrite">,
): OwnedPoint<M>[][] {
  const maxMessages = store.maxMessagesPerWrite;
  if (maxMessages === undefined) {
    const chunks: OwnedPoint<M>[][] = [];
    for (let start = 0; start < owned.length; start += store.maxPointsPerWrite) {
      chunks.push(owned.slice(start, start + store.maxPointsPerWrite));
    }
    return chunks;
  }
  const chunks: OwnedPoint<M>[][] = [];
  let chunk: OwnedPoint<M>[] = [];
  let messages = 0;
  for (let start = 0; start < owned.length; ) {
    const message = owned[start]?.message;
    let end = start + 1;
    while (end < owned.length && owned[end]?.message === message) end += 1;
    if (
      chunk.length > 0 &&
      (messages === maxMessages || chunk.length + (end - start) > store.maxPointsPerWrite)
    ) {
      chunks.push(chunk);
      chunk = [];
      messages = 0;
    }
    chunk.push(...owned.slice(start, end));
    messages += 1;
    start = end;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
