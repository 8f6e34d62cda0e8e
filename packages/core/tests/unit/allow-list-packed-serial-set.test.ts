import { describe, expect, it } from "vitest";
import { PackedSerialSet } from "../../src/allow-list/packed-serial-set.ts";

const encoder = new TextEncoder();

describe("PackedSerialSet", () => {
  it("keeps each serial once, in insertion order, from bytes or strings", () => {
    const set = new PackedSerialSet();
    const line = encoder.encode("xxSN-0002\n");
    expect(set.add("SN-0001")).toBe(true);
    expect(set.addBytes(line, 2, 9)).toBe(true);
    expect(set.add("SN-0002")).toBe(false);
    expect(set.addBytes(encoder.encode("SN-0001"), 0, 7)).toBe(false);
    expect(set.size).toBe(2);
    expect([...set]).toEqual(["SN-0001", "SN-0002"]);
    expect([...set.entries()]).toEqual([
      ["SN-0001", "SN-0001"],
      ["SN-0002", "SN-0002"],
    ]);
  });

  it("refuses a serial its one length byte cannot hold", () => {
    const set = new PackedSerialSet();
    expect(() => set.add("")).toThrow(RangeError);
    expect(() => set.add("x".repeat(256))).toThrow(RangeError);
    expect(set.size).toBe(0);
  });

  it("answers has() for what was added, and only that, as it grows", () => {
    const set = new PackedSerialSet();
    const serial = (i: number) => `SN-${i.toString(36).padStart(6, "0")}`;
    for (let i = 0; i < 50_000; i++) set.add(serial(i));
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i++) expect(set.has(serial(i))).toBe(true);
    for (let i = 50_000; i < 51_000; i++) expect(set.has(serial(i))).toBe(false);
    expect(set.has("")).toBe(false);
    expect(set.has("SN-ÄÖ01")).toBe(false);
    expect(set.has(serial(1).slice(0, -1))).toBe(false);
  });
});

describe("PackedSerialSet.compare", () => {
  it("reports each side's serials the other lacks, and counts the shared ones", () => {
    const set = new PackedSerialSet();
    for (const serial of ["SN-0001", "SN-0002", "SN-0003", "SN-0004"]) set.add(serial);
    const missing: string[] = [];
    const extra: string[] = [];
    const shared = set.compare(
      new Set(["SN-0005", "SN-0003", "SN-0001", "SN-ÄÖ01"]),
      (serial) => missing.push(serial),
      (serial) => extra.push(serial),
    );
    expect(shared).toBe(2);
    expect(missing).toEqual(["SN-0005", "SN-ÄÖ01"]);
    expect(extra).toEqual(["SN-0002", "SN-0004"]);
  });
});
