import { describe, expect, it } from "vitest";
import { parseDurationOption } from "../../src/duration-option.ts";
import { UsageError } from "../../src/errors.ts";

describe("duration flags", () => {
  it.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["30d", 30 * 86_400_000],
  ])("reads %s", (value, ms) => {
    expect(parseDurationOption("--cert-validity", value)).toBe(ms);
  });

  it.each(["", "soon", "-5m", "0s"])("rejects %j naming the flag", (value) => {
    expect(() => parseDurationOption("--cert-validity", value)).toThrow(UsageError);
    expect(() => parseDurationOption("--cert-validity", value)).toThrow(/^--cert-validity /);
  });
});
