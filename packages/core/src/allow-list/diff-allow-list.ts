import type { PackedSerialSet } from "./packed-serial-set.ts";

export interface AllowListDiff {
  added: number;
  removed: number;
  unchanged: number;
  /** The first few added serials in sorted order. */
  addedSample: string[];
  /** The first few removed serials in sorted order. */
  removedSample: string[];
}

export interface DiffAllowListOptions {
  /** Serials listed per side. Default 5. */
  sample?: number;
}

/**
 * What replacing the `current` list (or the registered fleet) with the parsed `next` would
 * change. In sets of a million serials every lookup is a cache miss: each serial of `current`
 * is looked up once in `next`, and no serial is looked up in `current`.
 */
export function diffAllowList(
  current: ReadonlySet<string>,
  next: PackedSerialSet,
  options: DiffAllowListOptions = {},
): AllowListDiff {
  const sample = options.sample ?? 5;
  const added = new SmallestSerials(sample);
  const removed = new SmallestSerials(sample);
  const unchanged = next.compare(
    current,
    (serial) => removed.offer(serial),
    (serial) => added.offer(serial),
  );
  return {
    added: added.count,
    removed: removed.count,
    unchanged,
    addedSample: added.values,
    removedSample: removed.values,
  };
}

/** Counts serials and keeps the `limit` smallest, sorted: no sort of a million-serial list. */
class SmallestSerials {
  readonly values: string[] = [];
  readonly #limit: number;
  count = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  offer(serial: string): void {
    this.count += 1;
    const values = this.values;
    if (values.length === this.#limit && !(serial < (values[values.length - 1] as string))) return;
    let low = 0;
    let high = values.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((values[middle] as string) < serial) low = middle + 1;
      else high = middle;
    }
    values.splice(low, 0, serial);
    if (values.length > this.#limit) values.pop();
  }
}
