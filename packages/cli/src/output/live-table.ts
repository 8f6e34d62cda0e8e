import logUpdate from "log-update";

export interface LiveTableOptions<Row> {
  /** Printed once on a pipe; the caller's `render` draws its own header on a terminal. */
  header: string;
  load: () => Promise<Row[]>;
  /** The whole frame redrawn in place on a terminal. */
  render: (rows: readonly Row[]) => string;
  /** Identifies a row across refreshes (a device's serial). */
  key: (row: Row) => string;
  /** One line per row; on a pipe, a row is printed again only when its line changes. */
  describe: (row: Row) => string;
  /** Refresh period. Default 1000 ms. */
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

/**
 * A listing kept up to date: on a terminal, a table redrawn in place; otherwise (CI, a pipe)
 * one timestamped line per change, so logs stay readable.
 */
export function startLiveTable<Row>(options: LiveTableOptions<Row>): { stop(): Promise<void> } {
  const out = options.out ?? process.stdout;
  const draw = out.isTTY === true ? logUpdate : null;
  let last = new Map<string, string>();
  let busy: Promise<void> = Promise.resolve();

  const refresh = async () => {
    const rows = await options.load();
    if (draw) {
      draw(options.render(rows));
      return;
    }
    const now = new Map(rows.map((row) => [options.key(row), options.describe(row)]));
    for (const [key, line] of now) {
      if (last.get(key) !== line) out.write(`${new Date().toISOString()} ${key} ${line}\n`);
    }
    last = now;
  };

  if (!draw) out.write(`${options.header}\n`);
  const tick = () => {
    busy = busy.then(refresh).catch((error: unknown) => {
      out.write(`summary unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      draw?.done();
    },
  };
}
