import { afterEach, describe, expect, it } from "vitest";
import type { AllowListStore, StoredAllowList } from "../../src/ports/index.ts";

/** One adapter under test, backed by fresh, empty state (a temp dir, a mocked bucket). */
export interface AllowListStoreSubject {
  store: AllowListStore;
  /** Releases what makeSubject opened (temp dirs, mocks). */
  close?(): Promise<void>;
}

const encoder = new TextEncoder();

async function bodyText(stored: StoredAllowList): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stored.body) {
    if (!(chunk instanceof Uint8Array)) throw new Error(`body chunk is ${typeof chunk}, not bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readCurrent(store: AllowListStore): Promise<StoredAllowList> {
  const stored = await store.read();
  if (stored === null) throw new Error("expected a stored allow-list, read() gave null");
  return stored;
}

/** The AllowListStore contract: the last write is what a read returns, byte for byte. */
export function describeAllowListStore(
  name: string,
  makeSubject: () => Promise<AllowListStoreSubject>,
): void {
  describe(`AllowListStore contract: ${name}`, () => {
    let opened: AllowListStoreSubject | undefined;
    async function subject(): Promise<AllowListStoreSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("reads nothing before a list was ever written", async () => {
      const { store } = await subject();
      expect(await store.read()).toBeNull();
    });

    it("reads back exactly the bytes written, under the version the write returned", async () => {
      const { store } = await subject();
      const text = "serial,comment\r\ndevice-0001,lab\n# spare\ndevice-0002\n";
      const { version } = await store.write(encoder.encode(text), { allowEmpty: false });
      expect(version).toEqual(expect.any(String));
      expect(version).not.toBe("");
      const stored = await readCurrent(store);
      expect(stored.version).toBe(version);
      expect(stored.allowEmpty).toBe(false);
      expect([null, Buffer.byteLength(text)]).toContain(stored.size);
      expect(await bodyText(stored)).toBe(text);
    });

    it("makes a new write the current version", async () => {
      const { store } = await subject();
      const first = await store.write(encoder.encode("device-0001\n"), { allowEmpty: false });
      const second = await store.write(encoder.encode("device-0002\n"), { allowEmpty: false });
      expect(second.version).not.toBe(first.version);
      const stored = await readCurrent(store);
      expect(stored.version).toBe(second.version);
      expect(await bodyText(stored)).toBe("device-0002\n");
    });

    it("keeps the allow-empty confirmation with the version it was given for", async () => {
      const { store } = await subject();
      await store.write(new Uint8Array(0), { allowEmpty: true });
      const empty = await readCurrent(store);
      expect(empty.allowEmpty).toBe(true);
      expect(await bodyText(empty)).toBe("");
      await store.write(encoder.encode("device-0001\n"), { allowEmpty: false });
      expect((await readCurrent(store)).allowEmpty).toBe(false);
    });

    it("keeps the revocation guard's confirmation with the version it was given for", async () => {
      const { store } = await subject();
      await store.write(encoder.encode("device-0001\n"), {
        allowEmpty: false,
        revocationsConfirmed: true,
      });
      expect((await readCurrent(store)).revocationsConfirmed).toBe(true);
      await store.write(encoder.encode("device-0002\n"), { allowEmpty: false });
      expect((await readCurrent(store)).revocationsConfirmed ?? false).toBe(false);
    });

    it("accepts the same bytes written twice and still reads them", async () => {
      const { store } = await subject();
      const bytes = encoder.encode("device-0001\n");
      await store.write(bytes, { allowEmpty: false });
      const { version } = await store.write(bytes, { allowEmpty: false });
      const stored = await readCurrent(store);
      expect(stored.version).toBe(version);
      expect(await bodyText(stored)).toBe("device-0001\n");
    });

    it("streams a list of 100,000 serials back intact", async () => {
      const { store } = await subject();
      const text = Array.from(
        { length: 100_000 },
        (_, i) => `device-${String(i).padStart(6, "0")}\n`,
      ).join("");
      await store.write(encoder.encode(text), { allowEmpty: false });
      const stored = await readCurrent(store);
      expect([null, Buffer.byteLength(text)]).toContain(stored.size);
      expect(await bodyText(stored)).toBe(text);
    });
  });
}
