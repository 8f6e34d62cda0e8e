import { isSerialBytes } from "./serial-bytes.ts";
import type { SerialCollector } from "./serial-collector.ts";

/** No serial is this long: a longer line is reported, not buffered (it may be a whole file). */
const MAX_LINE_BYTES = 4096;
/** Bytes of an overlong line kept to quote it. */
const QUOTED_BYTES = 100;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const HASH = 0x23;
const COMMA = 0x2c;
const QUOTE = 0x22;
const HEADER = Buffer.from("serial");

/**
 * The text/CSV form, fed chunk by chunk as bytes: one serial per line, the first column when the
 * line is CSV, an optional `serial` header, `#` comments, blank lines, CRLF. Only the current
 * partial line is kept between chunks. Lines are cut and valid serials stored as bytes: only a
 * line that is not a serial becomes a string (to quote it).
 */
export class TextAllowListReader {
  readonly #collector: SerialCollector;
  /** Start of a line that the next chunk continues. */
  #rest: Buffer | null = null;
  #overlong = false;
  #lineCount = 0;
  #seenContent = false;

  constructor(collector: SerialCollector) {
    this.#collector = collector;
  }

  get lineCount(): number {
    return this.#lineCount;
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.#rest !== null) {
      const newline = bytes.indexOf(NEWLINE);
      if (newline === -1) {
        this.#keep(bytes);
        return;
      }
      if (this.#overlong) this.#endOverlongLine();
      else {
        const line = Buffer.concat([this.#rest, bytes.subarray(0, newline)]);
        this.#line(line, 0, line.length);
      }
      this.#rest = null;
      start = newline + 1;
    }
    const length = bytes.length;
    for (let at = start; at < length; at++) {
      if (bytes[at] === NEWLINE) {
        this.#line(bytes, start, at);
        start = at + 1;
      }
    }
    if (start < length) this.#keep(bytes.subarray(start));
  }

  end(): void {
    if (this.#rest === null) return;
    if (this.#overlong) this.#endOverlongLine();
    else this.#line(this.#rest, 0, this.#rest.length);
    this.#rest = null;
  }

  // Copies: the producer may reuse its chunk buffers.
  #keep(part: Buffer): void {
    if (this.#overlong) return;
    const rest = this.#rest === null ? Buffer.from(part) : Buffer.concat([this.#rest, part]);
    if (rest.length > MAX_LINE_BYTES) {
      this.#overlong = true;
      this.#rest = rest.subarray(0, QUOTED_BYTES);
    } else {
      this.#rest = rest;
    }
  }

  #endOverlongLine(): void {
    const line = ++this.#lineCount;
    this.#seenContent = true;
    this.#overlong = false;
    const text = (this.#rest ?? Buffer.alloc(0)).toString("utf8");
    this.#collector.issue(line, text, `is longer than ${MAX_LINE_BYTES} bytes: not a serial`);
  }

  #line(bytes: Buffer, start: number, end: number): void {
    const line = ++this.#lineCount;
    // The first column ends at a comma; a `#` starts a comment.
    let cellEnd = end;
    let comma = false;
    for (let at = start; at < end; at++) {
      const byte = bytes[at];
      if (byte === HASH || byte === COMMA) {
        cellEnd = at;
        comma = byte === COMMA;
        break;
      }
    }
    let cellStart = trimStart(bytes, start, cellEnd);
    cellEnd = trimEnd(bytes, cellStart, cellEnd);
    // Spreadsheets export text cells quoted.
    if (cellEnd - cellStart >= 2 && bytes[cellStart] === QUOTE && bytes[cellEnd - 1] === QUOTE) {
      cellStart = trimStart(bytes, cellStart + 1, cellEnd - 1);
      cellEnd = trimEnd(bytes, cellStart, cellEnd - 1);
    }
    if (cellStart === cellEnd) {
      if (comma) {
        const lineEnd = bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
        this.#collector.issue(
          line,
          bytes.toString("utf8", start, lineEnd),
          "has no serial in its first column",
        );
      }
      return;
    }
    if (!this.#seenContent) {
      this.#seenContent = true;
      if (isHeader(bytes, cellStart, cellEnd)) return;
    }
    if (isSerialBytes(bytes, cellStart, cellEnd)) {
      this.#collector.addSerialBytes(bytes, cellStart, cellEnd, line);
    } else {
      // Decoded as UTF-8 so that the issue quotes what was written.
      this.#collector.add(bytes.toString("utf8", cellStart, cellEnd), line);
    }
  }
}

/** A blank byte of an allow-list: space, tab, LF, VT, FF or CR. */
export function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

function trimStart(bytes: Buffer, start: number, end: number): number {
  let at = start;
  while (at < end && isBlank(bytes[at])) at++;
  return at;
}

function trimEnd(bytes: Buffer, start: number, end: number): number {
  let at = end;
  while (at > start && isBlank(bytes[at - 1])) at--;
  return at;
}

function isHeader(bytes: Buffer, start: number, end: number): boolean {
  if (end - start !== HEADER.length) return false;
  for (let i = 0; i < HEADER.length; i++) {
    // ASCII letters: setting bit 0x20 lower-cases them.
    if (((bytes[start + i] as number) | 0x20) !== HEADER[i]) return false;
  }
  return true;
}
