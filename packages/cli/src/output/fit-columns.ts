/** Space between two columns. */
export const COLUMN_GAP = 2;
/** A free-text column is never cut narrower than its header or this. */
const MIN_COLUMN_WIDTH = 4;

/**
 * Column widths that make a row at most `maxWidth` characters: each column as wide as its
 * widest cell, then the widest free-text (`flexible`) column narrowed, one character at a time,
 * until the row fits or each is at its minimum (its header's width, at least 4). Ids, times and
 * counts are never cut: a cut id could not be given back to a command.
 */
export function fitColumns(
  columns: readonly { natural: number; header: number; flexible: boolean }[],
  maxWidth: number,
): number[] {
  const widths = columns.map((c) => c.natural);
  const floor = columns.map((c) =>
    c.flexible ? Math.min(c.natural, Math.max(c.header, MIN_COLUMN_WIDTH)) : c.natural,
  );
  let total = widths.reduce((sum, w) => sum + w, 0) + COLUMN_GAP * (widths.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > (floor[i] ?? 0) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

/** `text` cut to `width` characters, its last one `…` when cut. */
export function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
