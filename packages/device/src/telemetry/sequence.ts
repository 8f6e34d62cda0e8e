/**
 * The `seq` of telemetry messages: one counter per process shared by every telemetry source,
 * starting at 0, so the backend reads a reset as a restart and a gap as lost messages.
 */
export interface Sequence {
  next(): number;
}

export function createSequence(): Sequence {
  let value = 0;
  return { next: () => value++ };
}
