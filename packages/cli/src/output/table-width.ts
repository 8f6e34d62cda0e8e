/** Most characters a narrow table's line takes on a terminal (fewer on a narrower one). */
export const TABLE_WIDTH = 100;

/**
 * `fleet --wide`: tables show every column, ids and versions in full, cells uncut. A display
 * preference of the whole invocation (like NO_COLOR), set once by the program before the
 * command runs, so every command that prints a table honours it without an option of its own.
 */
let wide = false;

export function setWideTables(value: boolean): void {
  wide = value;
}

export function wideTables(): boolean {
  return wide;
}

/** The width a narrow table is cut to: 100 columns, or the terminal's if narrower; none off a terminal. */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY !== true) return undefined;
  return Math.min(TABLE_WIDTH, process.stdout.columns ?? TABLE_WIDTH);
}
