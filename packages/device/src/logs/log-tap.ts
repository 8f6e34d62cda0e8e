/**
 * Where the device's logger also hands each line it writes, for the log shipper. Nobody
 * listens until an operator asks for logs: until then a line costs one comparison.
 */
export interface LogTap {
  /** Called by the logger's destination with each line (one JSON line, with its newline). */
  write(line: string): void;
  /** Sets the one listener, or removes it with `undefined`. */
  listen(listener: ((line: string) => void) | undefined): void;
}

export function createLogTap(): LogTap {
  let listener: ((line: string) => void) | undefined;
  return {
    write(line) {
      if (listener !== undefined) listener(line);
    },
    listen(next) {
      listener = next;
    },
  };
}
