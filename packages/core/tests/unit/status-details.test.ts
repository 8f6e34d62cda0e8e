import { describe, expect, it } from "vitest";
import { StatusDetailsSchema, toStatusDetails } from "../../src/contracts/status-details.ts";

describe("toStatusDetails", () => {
  it("turns a multi-line command output into one line AWS accepts", () => {
    const details = toStatusDetails({
      reason: "exited with 100: E: dpkg\tbroken\r\nE: \u001b[31mhalt\n",
    });
    expect(details).toEqual({ reason: "exited with 100: E: dpkg broken | E:  [31mhalt" });
    expect(StatusDetailsSchema.safeParse(details).success).toBe(true);
  });

  it("cuts a value at 1024 characters with an ellipsis, never splitting a surrogate pair", () => {
    expect(toStatusDetails({ log: "x".repeat(2000) }).log).toBe(`${"x".repeat(1023)}…`);
    const emoji = toStatusDetails({ log: `${"x".repeat(1022)}😀😀` }).log ?? "";
    expect(emoji).toBe(`${"x".repeat(1022)}…`);
    expect(StatusDetailsSchema.safeParse({ log: emoji }).success).toBe(true);
  });

  it("leaves out empty values and makes keys fit [a-zA-Z0-9:_-] within 128 characters", () => {
    expect(
      toStatusDetails({
        empty: "",
        gone: undefined,
        blank: "\n\u0007",
        "a key!": "v",
        ["k".repeat(200)]: "w",
      }),
    ).toEqual({ a_key_: "v", ["k".repeat(128)]: "w" });
  });

  it("keeps details that already fit unchanged", () => {
    const details = { step: "1/2", operation: "os-update", phase: "running" };
    expect(toStatusDetails(details)).toEqual(details);
  });
});
