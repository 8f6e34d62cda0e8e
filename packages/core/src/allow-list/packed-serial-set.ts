/** Bytes of a list before any serial is stored; doubled as needed. */
const INITIAL_BYTES = 64 * 1024;
/** Slots of the hash table before any serial is stored; doubled to keep it at most half full. */
const INITIAL_SLOTS = 1024;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/**
 * A slot holds the serial's offset + 1 in its low 27 bits (128 MiB of serials, twice the
 * allow-list's size limit) and the top 5 bits of its hash above them: a probe that meets another
 * serial's slot almost never reads that serial's bytes, which would be one more cache miss.
 */
const OFFSET_BITS = 27;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
/** A serial's length is stored in one byte. */
const MAX_SERIAL_BYTES = 255;

/**
 * A set of ASCII serials held as bytes: each serial once, length-prefixed, in insertion order in
 * one buffer, found through an open-addressing table of offsets. A million 16-character serials
 * take about 29 MB in three allocations, where a Set of strings takes about 50 MB in a million
 * heap objects (and the garbage of growing it), and adding a serial read from a file makes no
 * string at all. Iterates in insertion order, as a Set does.
 */
export class PackedSerialSet implements ReadonlySet<string> {
  #bytes: Buffer;
  /** Bytes of `#bytes` in use. */
  #used = 0;
  /** Hash tag and offset + 1 of the serial in each slot (see OFFSET_BITS); 0 is an empty slot. */
  #slots = new Int32Array(INITIAL_SLOTS);
  #size = 0;
  /** Scratch for serials given as strings. */
  readonly #scratch = Buffer.alloc(MAX_SERIAL_BYTES);

  /**
   * @param expectedBytes the list's size when known (S3's ContentLength): its serials fit in it,
   * so the buffer is allocated once. Pages never written are not resident.
   */
  constructor(expectedBytes = 0) {
    this.#bytes = Buffer.alloc(Math.max(INITIAL_BYTES, expectedBytes + 1));
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Adds the serial in `bytes[start, end)` (ASCII, 1-255 bytes, validated by the caller).
   * Returns false when it was already in the set.
   */
  addBytes(bytes: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (length === 0 || length > MAX_SERIAL_BYTES) throw serialLengthError(length);
    const hash = hashBytes(bytes, start, end);
    const slot = this.#find(hash, bytes, start, end);
    if (this.#slots[slot] !== 0) return false;
    if (this.#used + 1 + length > OFFSET_MASK) {
      throw new RangeError(`a PackedSerialSet holds at most ${OFFSET_MASK} bytes of serials`);
    }
    if (this.#used + 1 + length > this.#bytes.length) this.#growBytes(1 + length);
    const stored = this.#bytes;
    const at = this.#used;
    stored[at] = length;
    // A loop, not set(subarray()): no view object for a 16-byte copy.
    for (let i = start, j = at + 1; i < end; i++, j++) stored[j] = bytes[i] as number;
    this.#used = at + 1 + length;
    this.#slots[slot] = entry(hash, at);
    this.#size += 1;
    if (this.#size * 2 > this.#slots.length) this.#growSlots();
    return true;
  }

  /** Adds an ASCII serial given as a string; false when it was already in the set. */
  add(serial: string): boolean {
    if (serial.length > MAX_SERIAL_BYTES) throw serialLengthError(serial.length);
    const length = this.#scratch.write(serial, "latin1");
    return this.addBytes(this.#scratch, 0, length);
  }

  has(serial: string): boolean {
    return this.#offsetOf(serial) !== -1;
  }

  /**
   * Both directions of a diff with one lookup per serial of `other` and no string made for a
   * serial the two share: `missing` receives each serial of `other` not in this set, then
   * `extra` each serial of this set not in `other`, in insertion order. Returns how many serials
   * the two share.
   */
  compare(
    other: ReadonlySet<string>,
    missing: (serial: string) => void,
    extra: (serial: string) => void,
  ): number {
    // One bit per byte offset: where a serial of `other` was found.
    const found = new Uint8Array((this.#used >>> 3) + 1);
    let shared = 0;
    for (const serial of other) {
      const at = this.#offsetOf(serial);
      if (at === -1) missing(serial);
      else {
        found[at >>> 3] = (found[at >>> 3] as number) | (1 << (at & 7));
        shared += 1;
      }
    }
    const bytes = this.#bytes;
    for (let at = 0; at < this.#used; ) {
      const end = at + 1 + (bytes[at] as number);
      if (((found[at >>> 3] as number) & (1 << (at & 7))) === 0) {
        extra(bytes.toString("latin1", at + 1, end));
      }
      at = end;
    }
    return shared;
  }

  *values(): SetIterator<string> {
    const bytes = this.#bytes;
    for (let at = 0; at < this.#used; ) {
      const end = at + 1 + (bytes[at] as number);
      yield bytes.toString("latin1", at + 1, end);
      at = end;
    }
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    for (const serial of this.values()) yield [serial, serial];
  }

  forEach(
    callback: (value: string, key: string, set: ReadonlySet<string>) => void,
    thisArg?: unknown,
  ): void {
    for (const serial of this.values()) callback.call(thisArg, serial, serial, this);
  }

  /** Where `serial` is stored (its length byte), or -1. */
  #offsetOf(serial: string): number {
    const length = serial.length;
    if (length === 0 || length > MAX_SERIAL_BYTES) return -1;
    const bytes = this.#bytes;
    const slots = this.#slots;
    const mask = slots.length - 1;
    let hash = FNV_OFFSET;
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ serial.charCodeAt(i), FNV_PRIME);
    const tag = hash >>> OFFSET_BITS;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = slots[slot] as number;
      if (stored === 0) return -1;
      if (stored >>> OFFSET_BITS !== tag) continue;
      const at = (stored & OFFSET_MASK) - 1;
      if (bytes[at] !== length) continue;
      let i = 0;
      while (i < length && bytes[at + 1 + i] === serial.charCodeAt(i)) i++;
      if (i === length) return at;
    }
  }

  /** The slot holding `bytes[start, end)` (of this `hash`), or the empty slot where it belongs. */
  #find(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const stored = this.#bytes;
    const slots = this.#slots;
    const mask = slots.length - 1;
    const tag = hash >>> OFFSET_BITS;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = slots[slot] as number;
      if (held === 0) return slot;
      if (held >>> OFFSET_BITS !== tag) continue;
      const at = (held & OFFSET_MASK) - 1;
      if (stored[at] === length && sameBytes(stored, at + 1, bytes, start, end)) return slot;
    }
  }

  #growBytes(needed: number): void {
    const grown = Buffer.alloc(Math.max(this.#bytes.length * 2, this.#used + needed));
    this.#bytes.copy(grown, 0, 0, this.#used);
    this.#bytes = grown;
  }

  #growSlots(): void {
    const bytes = this.#bytes;
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let at = 0; at < this.#used; ) {
      const end = at + 1 + (bytes[at] as number);
      const hash = hashBytes(bytes, at + 1, end);
      let slot = hash & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry(hash, at);
      at = end;
    }
    this.#slots = slots;
  }
}

function serialLengthError(length: number): RangeError {
  return new RangeError(`a serial is 1-${MAX_SERIAL_BYTES} characters, got ${length}`);
}

function entry(hash: number, at: number): number {
  return ((hash >>> OFFSET_BITS) << OFFSET_BITS) | (at + 1);
}

/** FNV-1a over bytes; `has` computes the same over a string's character codes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
  return hash;
}

function sameBytes(stored: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number) {
  for (let i = start, j = at; i < end; i++, j++) if (stored[j] !== bytes[i]) return false;
  return true;
}
