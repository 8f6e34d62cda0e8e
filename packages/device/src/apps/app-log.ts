import { createWriteStream, renameSync, statSync, type WriteStream } from "node:fs";

/** Default size at which `app.log` is rotated to `app.log.1` (one generation is kept). */
export const DEFAULT_APP_LOG_MAX_BYTES = 1024 * 1024;

/** An app's stdout and stderr, appended to one file kept under `maxBytes` by rotation. */
export interface AppLog {
  write(chunk: Buffer): void;
  close(): void;
}

export function createAppLog(file: string, maxBytes = DEFAULT_APP_LOG_MAX_BYTES): AppLog {
  let stream: WriteStream | null = null;
  let size = 0;
  const open = () => {
    try {
      size = statSync(file).size;
    } catch {
      size = 0;
    }
    const opened = createWriteStream(file, { flags: "a", mode: 0o600 });
    // A full disk must not take the device client down with it: the app's output is lost.
    opened.on("error", () => undefined);
    return opened;
  };
  return {
    write(chunk) {
      stream ??= open();
      if (size > 0 && size + chunk.byteLength > maxBytes) {
        // Pending writes still land in the renamed file: the open fd follows the inode.
        renameSync(file, `${file}.1`);
        stream.end();
        stream = open();
      }
      size += chunk.byteLength;
      stream.write(chunk);
    },
    close() {
      stream?.end();
      stream = null;
    },
  };
}
