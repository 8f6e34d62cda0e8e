import { writePrivateFile } from "./private-files.ts";

/**
 * Persists a snapshot of in-memory state after each change. Writes never overlap, and changes
 * made while a write is in flight are folded into one follow-up write that serializes the state
 * at the moment it starts, so a burst of changes costs at most two writes and the file always
 * ends with the latest state. `write()` resolves once a snapshot including the caller's change
 * is on disk.
 */
export interface CoalescingWriter {
  write(): Promise<void>;
  /** Resolves when every requested write has finished. */
  flush(): Promise<void>;
}

export function createCoalescingWriter(path: string, serialize: () => string): CoalescingWriter {
  let inFlight: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;

  function write(): Promise<void> {
    if (queued) return queued;
    const next = inFlight
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return writePrivateFile(path, serialize());
      });
    queued = next;
    inFlight = next;
    return next;
  }

  return {
    write,
    flush: () => inFlight.catch(() => {}),
  };
}
