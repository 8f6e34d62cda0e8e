import { SerialSchema } from "../contracts/identity.ts";
import { PackedSerialSet } from "./packed-serial-set.ts";
import {
  ALLOW_LIST_MAX_LISTED,
  type AllowListDuplicate,
  type AllowListIssue,
  type ParsedAllowList,
} from "./parsed-allow-list.ts";

const MAX_QUOTED_CHARS = 80;

/** Collects serials, issues and duplicates for both allow-list forms (text and JSON). */
export class SerialCollector {
  readonly #serials: PackedSerialSet;
  readonly #errors: AllowListIssue[] = [];
  #errorsCapped = false;
  // Line of each serial's first occurrence, in the set's insertion order: 4 bytes per serial
  // instead of a Map entry, read back only when a serial turns out to be duplicated.
  #firstLines = new Uint32Array(4096);
  readonly #repeatLines = new Map<string, number[]>();

  /** @param expectedBytes the list's size when known: see PackedSerialSet. */
  constructor(expectedBytes = 0) {
    this.#serials = new PackedSerialSet(expectedBytes);
  }

  /** Validates one candidate serial found on `line`. */
  add(candidate: string, line: number): void {
    const result = SerialSchema.safeParse(candidate);
    if (!result.success) {
      const reason = result.error.issues[0]?.message ?? "invalid";
      this.issue(line, candidate, `is not a valid serial (${reason})`);
      return;
    }
    if (this.#serials.add(candidate)) this.#first(line);
    else this.#repeat(candidate, line);
  }

  /** The serial in `bytes[start, end)` on `line`, already found valid (`isSerialBytes`). */
  addSerialBytes(bytes: Buffer, start: number, end: number, line: number): void {
    if (this.#serials.addBytes(bytes, start, end)) this.#first(line);
    else this.#repeat(bytes.toString("latin1", start, end), line);
  }

  #first(line: number): void {
    const index = this.#serials.size - 1;
    if (index === this.#firstLines.length) {
      const grown = new Uint32Array(index * 2);
      grown.set(this.#firstLines);
      this.#firstLines = grown;
    }
    this.#firstLines[index] = line;
  }

  issue(line: number, text: string, message: string): void {
    if (this.#errors.length < ALLOW_LIST_MAX_LISTED) {
      this.#errors.push({ line, text: quote(text), message });
    } else if (!this.#errorsCapped) {
      this.#errorsCapped = true;
      this.#errors.push({
        line: 0,
        text: "",
        message: `more than ${ALLOW_LIST_MAX_LISTED} issues: the rest are not listed`,
      });
    }
  }

  result(format: ParsedAllowList["format"], lineCount: number): ParsedAllowList {
    return {
      serials: this.#serials,
      format,
      lineCount,
      errors: this.#errors,
      duplicates: this.#duplicates(),
    };
  }

  #repeat(serial: string, line: number): void {
    const lines = this.#repeatLines.get(serial);
    if (lines === undefined) {
      if (this.#repeatLines.size < ALLOW_LIST_MAX_LISTED) this.#repeatLines.set(serial, [line]);
    } else if (lines.length < ALLOW_LIST_MAX_LISTED) {
      lines.push(line);
    }
  }

  #duplicates(): AllowListDuplicate[] {
    if (this.#repeatLines.size === 0) return [];
    const duplicates: AllowListDuplicate[] = [];
    let index = 0;
    for (const serial of this.#serials) {
      const repeats = this.#repeatLines.get(serial);
      if (repeats !== undefined) {
        duplicates.push({ serial, lines: [this.#firstLines[index] as number, ...repeats] });
      }
      index += 1;
    }
    return duplicates;
  }
}

function quote(text: string): string {
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}…`;
}
