/**
 * A progress display for one long operation: on a terminal the current state is one line
 * redrawn in place (a new `stage` starts a new line); piped, each state that differs from the
 * last is printed as its own line, so logs and scripts see every step and nothing else.
 */
export interface ProgressLine {
  show(stage: string, text: string): void;
  /** Ends the display (the last line stays). */
  end(): void;
}

export function progressLine(stream: NodeJS.WriteStream): ProgressLine {
  const tty = stream.isTTY === true;
  let last: { stage: string; text: string } | null = null;
  return {
    show(stage, text) {
      if (last?.stage === stage && last.text === text) return;
      if (!tty) stream.write(`${text}\n`);
      else if (last === null || last.stage === stage) stream.write(`\r\x1b[2K${text}`);
      else stream.write(`\n${text}`);
      last = { stage, text };
    },
    end() {
      if (tty && last !== null) stream.write("\n");
    },
  };
}

/** Calls `poll` every `intervalMs` until it answers a value `done` accepts; resolves that value. */
export async function pollUntil<T>(
  poll: () => Promise<T>,
  done: (value: T) => boolean,
  intervalMs: number,
): Promise<T> {
  for (;;) {
    const value = await poll();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
