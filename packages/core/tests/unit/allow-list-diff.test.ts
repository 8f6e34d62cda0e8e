import { describe, expect, it } from "vitest";
import { diffAllowList, PackedSerialSet } from "../../src/allow-list/index.ts";

function serials(...values: string[]): PackedSerialSet {
  const set = new PackedSerialSet();
  for (const value of values) set.add(value);
  return set;
}

describe("diffAllowList", () => {
  it("counts added, removed and unchanged serials", () => {
    const diff = diffAllowList(
      serials("A-001", "A-002", "A-003"),
      serials("A-002", "A-003", "A-004"),
    );
    expect(diff).toEqual({
      added: 1,
      removed: 1,
      unchanged: 2,
      addedSample: ["A-004"],
      removedSample: ["A-001"],
    });
  });

  it("samples the first serials in sorted order, whatever the input order", () => {
    const current = serials(
      ...Array.from({ length: 50 }, (_, i) => `OLD-${String(49 - i).padStart(3, "0")}`),
    );
    const next = serials(
      ...Array.from({ length: 50 }, (_, i) => `NEW-${String((i * 17) % 50).padStart(3, "0")}`),
    );
    const diff = diffAllowList(current, next, { sample: 3 });
    expect(diff).toMatchObject({ added: 50, removed: 50, unchanged: 0 });
    expect(diff.addedSample).toEqual(["NEW-000", "NEW-001", "NEW-002"]);
    expect(diff.removedSample).toEqual(["OLD-000", "OLD-001", "OLD-002"]);
  });

  it("finds the smallest removed serials even when kept ones sort before them", () => {
    const kept = Array.from({ length: 20 }, (_, i) => `K-${String(i).padStart(3, "0")}`);
    const current = serials(...kept, "Z-002", "Z-001", "Y-009");
    const diff = diffAllowList(current, serials(...kept));
    expect(diff).toMatchObject({ added: 0, removed: 3, unchanged: 20, addedSample: [] });
    expect(diff.removedSample).toEqual(["Y-009", "Z-001", "Z-002"]);
  });

  it("reports no change between equal lists, and everything removed against an empty one", () => {
    const list = serials("A-001", "A-002");
    expect(diffAllowList(list, serials("A-002", "A-001"))).toEqual({
      added: 0,
      removed: 0,
      unchanged: 2,
      addedSample: [],
      removedSample: [],
    });
    expect(diffAllowList(list, serials())).toMatchObject({
      removed: 2,
      removedSample: ["A-001", "A-002"],
    });
  });
});
