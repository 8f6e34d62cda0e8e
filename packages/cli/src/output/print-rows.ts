import Table from "cli-table3";

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
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

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => c.value(row)));
  return table.toString();
}
