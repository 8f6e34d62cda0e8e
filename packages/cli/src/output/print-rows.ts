import { COLUMN_GAP, cut, fitColumns } from "./fit-columns.ts";
import { shortenIds } from "./shorten-ids.ts";
import { terminalWidth, wideTables } from "./table-width.ts";

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** A detail shown only with `--wide`. */
  wide?: true;
  /** Free text (a reason, a payload): cut first when the table is wider than the terminal. */
  flexible?: true;
}

/**
 * Every listing command prints either a human table or, with `--json`, the raw rows as a JSON
 * array (the contract scripts rely on).
 */
export function printRows<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  options: { json: boolean; out?: NodeJS.WritableStream },
): void {
  const out = options.out ?? process.stdout;
  if (options.json) {
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  out.write(`${renderTable(rows, columns)}\n`);
}

/**
 * A plain table: a header, one rule under it, then a line per row, columns two spaces apart.
 * Narrow (the default): 64-hex ids shortened, `wide` columns left out and, on a terminal, free
 * text cut to fit 100 columns (`maxWidth`); a pipe gets whole cells, as `ps` does. With
 * `--wide`: every column, every cell in full.
 */
export function renderTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  options: { wide?: boolean; maxWidth?: number } = {},
): string {
  const wide = options.wide ?? wideTables();
  const maxWidth = options.maxWidth ?? terminalWidth();
  const shown = wide ? columns : columns.filter((c) => c.wide !== true);
  const cells = rows.map((row) =>
    shown.map((c) => (wide ? c.value(row) : shortenIds(c.value(row)))),
  );
  const natural = shown.map((c, i) =>
    Math.max(c.header.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const widths =
    wide || maxWidth === undefined
      ? natural
      : fitColumns(
          shown.map((c, i) => ({
            natural: natural[i] ?? 0,
            header: c.header.length,
            flexible: c.flexible === true,
          })),
          maxWidth,
        );
  const line = (texts: readonly string[]) =>
    texts
      .map((text, i) => cut(text, widths[i] ?? 0).padEnd(widths[i] ?? 0))
      .join(" ".repeat(COLUMN_GAP))
      .trimEnd();
  return [
    line(shown.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ].join("\n");
}
