import { describe, expect, it } from "vitest";
import {
  AllowListTooLargeError,
  InvalidAllowListError,
} from "../../src/allow-list/allow-list-errors.ts";
import { AllowListCache } from "../../src/allow-list/index.ts";
import type { AllowListStore, StoredAllowList } from "../../src/ports/allow-list-store.ts";

/** An in-memory store that counts reads and whether each body was consumed or closed. */
class FakeStore implements AllowListStore {
  current: { version: string; text: string; allowEmpty: boolean } | null = null;
  reads = 0;
  bodiesOpen = 0;
  failNextRead = false;
  declaredSize: number | null = null;

  async read(): Promise<StoredAllowList | null> {
    this.reads += 1;
    if (this.failNextRead) {
      this.failNextRead = false;
      throw new Error("network down");
    }
    if (this.current === null) return null;
    const { version, text, allowEmpty } = this.current;
    this.bodiesOpen += 1;
    return {
      version,
      body: this.#body(new TextEncoder().encode(text)),
      size: this.declaredSize,
      allowEmpty,
    };
  }

  /** Like an S3 response stream: open from the start, closed when read to the end or returned. */
  #body(bytes: Uint8Array): AsyncIterable<Uint8Array> {
    let open = true;
    const close = () => {
      if (open) this.bodiesOpen -= 1;
      open = false;
      return { done: true as const, value: undefined };
    };
    return {
      [Symbol.asyncIterator]: () => {
        let sent = false;
        return {
          next: async () => {
            if (sent) return close();
            sent = true;
            return { done: false as const, value: bytes };
          },
          return: async () => close(),
        };
      },
    };
  }

  async write(): Promise<{ version: string }> {
    throw new Error("not used");
  }

  put(version: string, text: string, allowEmpty = false): void {
    this.current = { version, text, allowEmpty };
  }
}

function setup() {
  const store = new FakeStore();
  let now = 0;
  const cache = new AllowListCache({ store, ttlMs: 1_000, clock: () => now });
  const advance = (ms: number) => {
    now += ms;
  };
  return { store, cache, advance };
}

describe("AllowListCache", () => {
  it("allows nothing while no list was ever uploaded", async () => {
    const { cache } = setup();
    expect(await cache.current()).toEqual({ version: null, serials: new Set() });
  });

  it("reads the store once per time-to-live", async () => {
    const { store, cache, advance } = setup();
    store.put("v1", "SN-0001\nSN-0002\n");
    const first = await cache.current();
    expect(first.version).toBe("v1");
    expect([...first.serials]).toEqual(["SN-0001", "SN-0002"]);
    advance(999);
    expect(await cache.current()).toEqual(first);
    expect(store.reads).toBe(1);
  });

  it("after the time-to-live, re-parses only when the version changed, closing unread bodies", async () => {
    const { store, cache, advance } = setup();
    store.put("v1", "SN-0001\n");
    const first = await cache.current();
    advance(1_000);
    expect((await cache.current()).serials).toBe(first.serials);
    expect(store.reads).toBe(2);
    expect(store.bodiesOpen).toBe(0);
    store.put("v2", "SN-0003\n");
    advance(1_000);
    expect(await cache.current()).toEqual({ version: "v2", serials: new Set(["SN-0003"]) });
  });

  it("shares one read between concurrent callers", async () => {
    const { store, cache } = setup();
    store.put("v1", "SN-0001\n");
    const [a, b] = await Promise.all([cache.current(), cache.current()]);
    expect(a.serials).toBe(b.serials);
    expect(store.reads).toBe(1);
  });

  it("throws InvalidAllowListError for an invalid stored list, until a new version replaces it", async () => {
    const { store, cache, advance } = setup();
    store.put("v1", "SN-0001\nnot a serial\n");
    const error = await cache.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAllowListError);
    expect((error as Error).message).toMatch(
      /^allow-list version v1: invalid allow-list, 1 issue: line 2/,
    );
    advance(1_000);
    await expect(cache.current()).rejects.toBe(error);
    expect(store.bodiesOpen).toBe(0);
    store.put("v2", "SN-0001\n");
    advance(1_000);
    expect((await cache.current()).serials).toEqual(new Set(["SN-0001"]));
  });

  it("reads an empty stored list as allowing nobody", async () => {
    const { store, cache } = setup();
    store.put("v1", "", true);
    expect(await cache.current()).toEqual({ version: "v1", serials: new Set() });
  });

  it("refuses a stored list whose declared size is over the limit, closing its body unread", async () => {
    const { store, cache } = setup();
    store.put("v1", "SN-0001\n");
    store.declaredSize = 100 * 1024 * 1024;
    await expect(cache.current()).rejects.toThrow(AllowListTooLargeError);
    expect(store.bodiesOpen).toBe(0);
  });

  it("does not cache a failed read", async () => {
    const { store, cache } = setup();
    store.put("v1", "SN-0001\n");
    store.failNextRead = true;
    await expect(cache.current()).rejects.toThrow("network down");
    expect((await cache.current()).version).toBe("v1");
  });
});
