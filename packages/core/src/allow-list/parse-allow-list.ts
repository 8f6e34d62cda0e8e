import { AllowListTooLargeError } from "./allow-list-errors.ts";
import { readJsonAllowList } from "./json-allow-list-reader.ts";
import type { ParsedAllowList } from "./parsed-allow-list.ts";
import { SerialCollector } from "./serial-collector.ts";
import { isBlank, TextAllowListReader } from "./text-allow-list-reader.ts";

/** A bigger allow-list is refused before it is parsed in full (1,000,000 serials are ~17 MB). */
export const ALLOW_LIST_MAX_BYTES = 64 * 1024 * 1024;

export interface ParseAllowListOptions {
  /** Refuse a body larger than this many bytes. Default `ALLOW_LIST_MAX_BYTES`. */
  maxBytes?: number;
  /** Size the store declared before reading (S3 ContentLength): refused without reading. */
  size?: number | null;
}

/**
 * Parses an allow-list as it streams in. The text/CSV form is processed chunk by chunk, keeping
 * only the current partial line; the JSON form (first non-blank character `[` or `{`) is parsed
 * in memory once complete. Bad lines become `errors` (never a throw); only a body over
 * `maxBytes` throws AllowListTooLargeError, as soon as the limit is crossed.
 */
export async function parseAllowList(
  body: AsyncIterable<Uint8Array | string>,
  options: ParseAllowListOptions = {},
): Promise<ParsedAllowList> {
  const maxBytes = options.maxBytes ?? ALLOW_LIST_MAX_BYTES;
  if (options.size != null && options.size > maxBytes) throw tooLarge(maxBytes, options.size);

  const form = new FormDetector(new SerialCollector(options.size ?? 0));
  let bytes = 0;
  // Leaving the loop by a throw ends the body's iterator, which closes the underlying stream.
  for await (const chunk of body) {
    const piece = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    bytes += piece.byteLength;
    if (bytes > maxBytes) throw tooLarge(maxBytes, undefined, bytes);
    form.push(piece);
  }
  return form.end();
}

const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/**
 * Holds the first bytes back until the first non-blank one tells the text and JSON forms apart,
 * dropping a UTF-8 byte order mark.
 */
class FormDetector {
  readonly #collector: SerialCollector;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #bomChecked = false;
  #text: TextAllowListReader | null = null;
  #json: Uint8Array[] | null = null;

  constructor(collector: SerialCollector) {
    this.#collector = collector;
  }

  push(piece: Uint8Array): void {
    if (this.#text !== null) this.#text.push(piece);
    else if (this.#json !== null) this.#json.push(piece);
    else {
      this.#pending.push(piece);
      this.#pendingBytes += piece.byteLength;
      if (!this.#bomChecked) {
        if (this.#pendingBytes < BOM.length) return;
        this.#dropBom();
      }
      // Earlier pending pieces were all blank: only the newest can decide.
      const newest = this.#pending[this.#pending.length - 1] as Uint8Array;
      const first = newest.findIndex((byte) => !isBlank(byte));
      if (first === -1) return;
      if (newest[first] === 0x5b || newest[first] === 0x7b) this.#json = this.#pending;
      else this.#startText();
      this.#pending = [];
    }
  }

  end(): ParsedAllowList {
    if (this.#json === null && this.#text === null && !this.#bomChecked) this.#dropBom();
    if (this.#json !== null) {
      const text = new TextDecoder().decode(Buffer.concat(this.#json));
      return this.#collector.result("json", readJsonAllowList(text, this.#collector));
    }
    // Empty or blank only: an empty text list (refusing it is assertValidAllowList's job).
    const text = this.#text ?? this.#startText();
    text.end();
    return this.#collector.result("text", text.lineCount);
  }

  #dropBom(): void {
    const head = Buffer.concat(this.#pending);
    const hasBom = BOM.every((byte, i) => head[i] === byte);
    this.#pending = [hasBom ? head.subarray(BOM.length) : head];
    this.#bomChecked = true;
  }

  #startText(): TextAllowListReader {
    const text = new TextAllowListReader(this.#collector);
    for (const piece of this.#pending) text.push(piece);
    this.#text = text;
    return text;
  }
}

function tooLarge(
  maxBytes: number,
  actualBytes?: number,
  readBytes?: number,
): AllowListTooLargeError {
  const size =
    actualBytes === undefined
      ? `refused after reading ${readBytes} bytes`
      : `it is ${actualBytes} bytes`;
  return new AllowListTooLargeError(
    `allow-list is larger than the limit of ${maxBytes} bytes (${size})`,
    { maxBytes, actualBytes },
  );
}
