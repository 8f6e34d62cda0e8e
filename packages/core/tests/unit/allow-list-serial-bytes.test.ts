import { describe, expect, it } from "vitest";
import { isSerialBytes } from "../../src/allow-list/serial-bytes.ts";
import { SerialSchema } from "../../src/contracts/identity.ts";

const encoder = new TextEncoder();

describe("isSerialBytes", () => {
  it("gives SerialSchema's answer for every kind of candidate", () => {
    const candidates = [
      "SN-0001",
      "abcd",
      "abc",
      "0_a-",
      "-abc",
      "_abc",
      "a".repeat(64),
      "a".repeat(65),
      "SN 0001",
      "SN-ÄÖ01",
      "SN.0001",
      "",
      ...Array.from({ length: 256 }, (_, code) => `A${String.fromCharCode(code)}BC`),
      ...Array.from({ length: 256 }, (_, code) => `${String.fromCharCode(code)}ABC`),
    ];
    for (const candidate of candidates) {
      const bytes = encoder.encode(`,${candidate},`);
      expect([candidate, isSerialBytes(bytes, 1, bytes.length - 1)]).toEqual([
        candidate,
        SerialSchema.safeParse(candidate).success,
      ]);
    }
  });
});
