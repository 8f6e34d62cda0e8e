import Table from "cli-table3";
import type { Column } from "./print-rows.ts";

/**
 * One record (a release, a job) as a two-column table of field and value; with `--json`, the
 * record as a JSON object.
 */
export function printRecord<Row>(
  record: Row,
  fields: readonly Column<Row>[],
  options: { json: boolean; out?: NodeJS.WritableStream },
): void {
  const out = options.out ?? process.stdout;
  if (options.json) {
    out.write(`${JSON.stringify(record, null, 2)}\n`);
    return;
  }
  out.write(`${renderRecord(record, fields)}\n`);
}

export function renderRecord<Row>(record: Row, fields: readonly Column<Row>[]): string {
  const table = new Table({ style: { head: [], border: [] } });
  for (const field of fields) table.push({ [field.header]: field.value(record) });
  return table.toString();
}
