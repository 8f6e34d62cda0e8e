import type { Column } from "./print-rows.ts";

/**
 * One record (a release, a job) as lines of field and value; with `--json`, the record as a
 * JSON object. A record is the detailed view: values are printed in full.
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
  const width = Math.max(...fields.map((f) => f.header.length));
  return fields.map((f) => `${f.header.padEnd(width)}  ${f.value(record)}`).join("\n");
}
