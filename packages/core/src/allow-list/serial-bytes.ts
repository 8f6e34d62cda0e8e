/** Bit 1: may start a serial (letter or digit); bit 2: may follow (letter, digit, '-', '_'). */
const SERIAL_CHARACTER = (() => {
  const table = new Uint8Array(256);
  const mark = (from: string, to: string, bits: number) => {
    for (let code = from.charCodeAt(0); code <= to.charCodeAt(0); code++) table[code] = bits;
  };
  mark("A", "Z", 3);
  mark("a", "z", 3);
  mark("0", "9", 3);
  mark("-", "-", 2);
  mark("_", "_", 2);
  return table;
})();

/**
 * SerialSchema's rule (contracts/identity.ts) read on bytes, so that a line of a million-line
 * file is checked before any string is made: 4-64 letters, digits, '-' or '_', the first a
 * letter or digit. It only accepts: what it refuses goes to SerialSchema, which gives the
 * reason (a test holds the two to the same answers).
 */
export function isSerialBytes(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length < 4 || length > 64) return false;
  if (((SERIAL_CHARACTER[bytes[start] as number] as number) & 1) === 0) return false;
  for (let at = start + 1; at < end; at++) {
    if (((SERIAL_CHARACTER[bytes[at] as number] as number) & 2) === 0) return false;
  }
  return true;
}
