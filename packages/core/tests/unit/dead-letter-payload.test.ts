import { DEAD_LETTER_PAYLOAD_MAX_BYTES, deadLetterPayload } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";

const encoder = new TextEncoder();

describe("deadLetterPayload", () => {
  it("keeps a payload within the limit whole", () => {
    expect(deadLetterPayload(encoder.encode("héllo €"))).toBe("héllo €");
  });

  it("counts the limit in UTF-8 bytes and drops a character the cut splits", () => {
    // 4-byte characters after one byte: 1 + 4 × 16,383 = 65,533 bytes fit; the cut at 65,536
    // falls three bytes into the next one.
    const payload = deadLetterPayload(encoder.encode(`a${"😀".repeat(20_000)}`));
    expect(encoder.encode(payload).length).toBe(65_533);
    expect(payload.endsWith("😀")).toBe(true);
    expect(DEAD_LETTER_PAYLOAD_MAX_BYTES).toBe(64 * 1024);
  });

  it("keeps bytes that are not UTF-8 as base64, cut to the limit", () => {
    const bytes = new Uint8Array(100_000).fill(0xff);
    expect(deadLetterPayload(bytes)).toBe(
      Buffer.from(bytes).toString("base64").slice(0, DEAD_LETTER_PAYLOAD_MAX_BYTES),
    );
  });
});
