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
 * What replacing the `current` list (or the registered fleet) with `next` would change. In sets
 * of a million serials every lookup is a cache miss, so the removed count comes from the sizes
 * and only the serials that could enter the removed sample are looked up.
 */
export function diffAllowList(
  current: ReadonlySet<string>,
  next: ReadonlySet<string>,
  options: DiffAllowListOptions = {},
): AllowListDiff {
  const sample = options.sample ?? 5;
  const added = new SmallestSerials(sample);
  let unchanged = 0;
  for (const serial of next) {
    if (current.has(serial)) unchanged += 1;
    else added.offer(serial);
  }
  const removedCount = current.size - unchanged;
  return {
    added: added.count,
    removed: removedCount,
    unchanged,
    addedSample: added.values,
    removedSample: smallestRemoved(current, next, sample, removedCount),
  };
}

/**
 * The `count` smallest serials of `current` missing from `next`: a scan that looks up only
 * serials below the largest one kept so far. Cheap when removed serials are spread through the
 * list; when every removed serial sorts after every kept one, each kept serial is looked up.
 */
function smallestRemoved(
  current: ReadonlySet<string>,
  next: ReadonlySet<string>,
  count: number,
  removedCount: number,
): string[] {
  const removed = new SmallestSerials(count);
  for (const serial of current) {
    if (removed.count === removedCount) break;
    if (removed.wouldKeep(serial) && !next.has(serial)) removed.offer(serial);
  }
  return removed.values;
}

/** Counts serials and keeps the `limit` smallest, sorted: no sort of a million-serial list. */
class SmallestSerials {
  readonly values: string[] = [];
  readonly #limit: number;
  count = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  wouldKeep(serial: string): boolean {
    const values = this.values;
    return values.length < this.#limit || serial < (values[values.length - 1] as string);
  }

  offer(serial: string): void {
    this.count += 1;
    if (!this.wouldKeep(serial)) return;
    const values = this.values;
    let low = 0;
    let high = values.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((values[middle] as string) < serial) low = middle + 1;
      else high = middle;
    }
    const index = low;
    values.splice(index, 0, serial);
    if (values.length > this.#limit) values.pop();
  }
}
