import { closeSync, openSync, readSync } from "node:fs";

/**
 * A file the kernel generates as it is read (/proc, /sys), kept open and read again from its
 * start each time: a read at offset 0 makes the kernel generate it afresh, so a reading costs
 * two system calls (the content, then end of file) instead of open, stat, read, read and close.
 * Any error closes it, and the next reading opens it again.
 */
export function kernelFile(path: string): () => string {
  let fd: number | undefined;
  let buffer = Buffer.allocUnsafe(4096);
  return () => {
    try {
      fd ??= openSync(path, "r");
      let length = 0;
      for (;;) {
        if (length === buffer.length) buffer = Buffer.concat([buffer], buffer.length * 2);
        const read = readSync(fd, buffer, length, buffer.length - length, length);
        if (read === 0) return buffer.toString("utf8", 0, length);
        length += read;
      }
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      throw error;
    }
  };
}
