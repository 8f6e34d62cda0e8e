// The allow-list bench's data: a fleet of SERIALS devices and the new list that replaces it.

export const SERIALS = Number(process.env.BENCH_SERIALS ?? 1_000_000);
const CHUNK_BYTES = 64 * 1024;

/**
 * Raspberry Pi style serials (16 hex digits), in no particular order: serial(i) is a bijection
 * of i. The registry holds devices 0..N-1; the new list drops every 10th of them (removed,
 * spread through the fleet) and adds N/10 new devices N..1.1N-1.
 */
export function serial(index: number): string {
  return `1000${(Math.imul(index, 2_654_435_761) >>> 0).toString(16).padStart(12, "0")}`;
}
const listed = (index: number) => index >= SERIALS || index % 10 !== 0;
const LIST_END = SERIALS + SERIALS / 10;
/** Serials on the new list. */
export const LISTED = LIST_END - SERIALS / 10;

/**
 * The list file's bytes, made before any clock starts (as S3 would deliver them, ready), and
 * counted in the peak RSS. ~17 MB.
 */
export function listBytes(): Buffer {
  const header = "serial,comment\n# exported from the asset database\n";
  const bytes = Buffer.alloc(header.length + LIST_END * 17);
  let at = bytes.write(header, "latin1");
  for (let i = 0; i < LIST_END; i++) {
    if (!listed(i)) continue;
    at += bytes.write(serial(i), at, "latin1");
    at = bytes.writeUInt8(0x0a, at);
  }
  return bytes.subarray(0, at);
}

/** The list body as a store streams it: 64 KiB chunks. */
export async function* listBody(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** The registry's serials as an SDK would deliver them: flat strings, one per device. */
export function registry(): Set<string> {
  const serials = new Set<string>();
  const line = Buffer.alloc(16);
  for (let i = 0; i < SERIALS; i++) {
    line.write(serial(i), "latin1");
    serials.add(line.toString("latin1"));
  }
  return serials;
}
