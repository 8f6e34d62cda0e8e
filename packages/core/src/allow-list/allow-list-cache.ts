import type { AllowListStore } from "../ports/allow-list-store.ts";
import { AllowListTooLargeError, InvalidAllowListError } from "./allow-list-errors.ts";
import { assertValidAllowList } from "./assert-valid-allow-list.ts";
import { parseAllowList } from "./parse-allow-list.ts";

export interface CurrentAllowList {
  /** Store version; null when no list was ever uploaded (then nothing is allowed). */
  version: string | null;
  serials: ReadonlySet<string>;
}

export interface AllowListCacheOptions {
  store: AllowListStore;
  /** How long a loaded list is used before the store is asked again. Default 30,000 ms. */
  ttlMs?: number;
  /** Milliseconds now. Default `Date.now`. */
  clock?: () => number;
}

type Loaded = { version: string | null; checkedAt: number } & (
  | { serials: ReadonlySet<string> }
  | { error: unknown }
);

const NO_SERIALS: ReadonlySet<string> = new Set();

/**
 * The current allow-list for a long-lived process (a warm Lambda, the sandbox): loaded once,
 * used for `ttlMs`, then re-parsed only if the store's version changed. An invalid stored list
 * throws InvalidAllowListError on every call until a new version replaces it; an empty stored
 * list is valid here (the uploader confirmed it).
 */
export class AllowListCache {
  readonly #store: AllowListStore;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  #loaded: Loaded | null = null;
  // Concurrent callers share one read of the store.
  #refreshing: Promise<Loaded> | null = null;

  constructor(options: AllowListCacheOptions) {
    this.#store = options.store;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
  }

  async current(): Promise<CurrentAllowList> {
    const fresh =
      this.#loaded !== null && this.#clock() - this.#loaded.checkedAt < this.#ttlMs
        ? this.#loaded
        : await this.#refresh();
    if ("error" in fresh) throw fresh.error;
    return { version: fresh.version, serials: fresh.serials };
  }

  #refresh(): Promise<Loaded> {
    this.#refreshing ??= this.#load().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #load(): Promise<Loaded> {
    const checkedAt = this.#clock();
    const stored = await this.#store.read();
    const previous = this.#loaded;
    let loaded: Loaded;
    if (stored === null) {
      loaded = { version: null, checkedAt, serials: NO_SERIALS };
    } else if (previous !== null && previous.version === stored.version) {
      await discard(stored.body);
      loaded = { ...previous, checkedAt };
    } else {
      try {
        const parsed = await parseAllowList(stored.body, { size: stored.size });
        const source = `allow-list version ${stored.version}`;
        assertValidAllowList(parsed, { allowEmpty: true, source });
        // Held as a Set of strings, the type callers compare with and V8's own hashing, for
        // the one lookup of every hook call.
        loaded = { version: stored.version, checkedAt, serials: new Set(parsed.serials) };
      } catch (error) {
        await discard(stored.body);
        // A bad list stays bad for its version; a failed read (network) is retried next call.
        if (!(error instanceof InvalidAllowListError || error instanceof AllowListTooLargeError)) {
          throw error;
        }
        loaded = { version: stored.version, checkedAt, error };
      }
    }
    this.#loaded = loaded;
    return loaded;
  }
}

// The store opens the body (an S3 response stream) on read; one not consumed must be closed.
async function discard(body: AsyncIterable<Uint8Array>): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}
