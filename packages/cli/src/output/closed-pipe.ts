/**
 * Ends the process quietly, exit 0, when the reader of `stream` goes away (`fleet telemetry
 * query | head`): the operator asked for no more output, so the EPIPE that Node raises on the
 * next write is not a failure, and without a listener it would crash with a stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

/**
 * Exits with `code` once stdout and stderr have written out what they hold: writes to a pipe
 * are asynchronous on POSIX (Node's "A note on process I/O"), so `process.exit` right away
 * could cut a piped `--json` short. An empty write's callback runs after the writes before it.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write("", () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
