import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { parseSince } from "../../src/since-option.ts";

const NOW = new Date("2026-11-21T12:00:00.000Z");

describe("--since", () => {
  it.each([
    ["30s", "2026-11-21T11:59:30.000Z"],
    ["15m", "2026-11-21T11:45:00.000Z"],
    ["2h", "2026-11-21T10:00:00.000Z"],
    ["7d", "2026-11-14T12:00:00.000Z"],
  ])("reads %s as a duration back from now", (value, expected) => {
    expect(parseSince(value, NOW).toISOString()).toBe(expected);
  });

  it("takes an ISO 8601 time as it is", () => {
    expect(parseSince("2026-11-20T08:30:00Z", NOW).toISOString()).toBe("2026-11-20T08:30:00.000Z");
  });

  it.each(["yesterday", "15 parsecs", "-5m", ""])(
    "refuses %j, saying what is expected",
    (value) => {
      expect(() => parseSince(value, NOW)).toThrow(UsageError);
      expect(() => parseSince(value, NOW)).toThrow(/expected a duration such as 30s, 15m/);
    },
  );
});
