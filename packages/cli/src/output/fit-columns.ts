/** Space between two columns. */
export const COLUMN_GAP = 2;
/** A column is never cut narrower than its header or this. */
const MIN_COLUMN_WIDTH = 8;

/**
 * Column widths that make a row at most `maxWidth` characters: each column as wide as its
 * widest cell, then the widest free-text (`flexible`) column narrowed, one character at a time,
 * then the widest of the others, until the row fits or every column is at its minimum (a
 * header's width, at least 8). Cells cut to a width end in `…`.
 */
export function fitColumns(
  columns: readonly { natural: number; header: number; flexible: boolean }[],
  maxWidth: number,
): number[] {
  const widths = columns.map((c) => c.natural);
  const floor = columns.map((c) => Math.min(c.natural, Math.max(c.header, MIN_COLUMN_WIDTH)));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + COLUMN_GAP * (widths.length - 1);
  const widest = (flexible: boolean) => {
    let found = -1;
    widths.forEach((w, i) => {
      const candidate = columns[i]?.flexible === flexible && w > (floor[i] ?? 0);
      if (candidate && (found < 0 || w > (widths[found] ?? 0))) found = i;
    });
    return found;
  };
  while (total() > maxWidth) {
    const column = widest(true) >= 0 ? widest(true) : widest(false);
    if (column < 0) break;
    widths[column] = (widths[column] ?? 0) - 1;
  }
  return widths;
}

/** `text` cut to `width` characters, its last one `…` when cut. */
export function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
