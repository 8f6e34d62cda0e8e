import { describe, expect, it } from "vitest";
import { InvalidAllowListError } from "../../src/allow-list/allow-list-errors.ts";
import { assertValidAllowList, parseAllowList } from "../../src/allow-list/index.ts";

async function* body(text: string) {
  yield text;
}

async function invalid(text: string, allowEmpty = false): Promise<InvalidAllowListError> {
  const parsed = await parseAllowList(body(text));
  try {
    assertValidAllowList(parsed, { allowEmpty, source: "fleet.csv" });
  } catch (error) {
    if (error instanceof InvalidAllowListError) return error;
    throw error;
  }
  throw new Error("expected an InvalidAllowListError, but the list was accepted");
}

describe("assertValidAllowList", () => {
  it("accepts a list of valid serials, duplicates included", async () => {
    const parsed = await parseAllowList(body("SN-0001\nSN-0002\nSN-0001\n"));
    expect(() =>
      assertValidAllowList(parsed, { allowEmpty: false, source: "fleet.csv" }),
    ).not.toThrow();
    expect(parsed.duplicates).toEqual([{ serial: "SN-0001", lines: [1, 3] }]);
  });

  it("names the source, the first invalid lines with their text, and the count", async () => {
    const error = await invalid(
      "SN-0001\nSN-0002\nx\nSN-0003\nSN-0004\nSN-0005\nbad serial!\nno way\n!!\n?\n",
    );
    expect(error.source).toBe("fleet.csv");
    expect(error.issues.map((issue) => issue.line)).toEqual([3, 7, 8, 9, 10]);
    expect(error.message).toMatch(
      /^fleet\.csv: invalid allow-list, 5 issues: line 3: "x" is not a valid serial \(a serial is 4-64 characters/,
    );
    expect(error.message).toContain('line 7: "bad serial!" is not a valid serial');
    expect(error.message).toContain('line 8: "no way" is not a valid serial');
    expect(error.message).toMatch(/; and 2 more$/);
  });

  it("names JSON issues by entry", async () => {
    const error = await invalid('["SN-0001", "no!"]');
    expect(error.message).toMatch(/entry 2: "no!" is not a valid serial/);
  });

  it("refuses invalid JSON, quoting where it broke", async () => {
    const error = await invalid('{"serials": ["SN-0001" "SN-0002"]}');
    expect(error.issues).toHaveLength(1);
    expect(error.message).toMatch(
      /^fleet\.csv: invalid allow-list, 1 issue: ".*" is not valid JSON/,
    );
  });

  it("refuses an empty list unless it is confirmed, as it would revoke every device", async () => {
    const error = await invalid("# nobody\n");
    expect(error.message).toBe(
      "fleet.csv: allow-list is empty: it would revoke every device; upload with --allow-empty to mean it",
    );
    expect(error.issues).toEqual([]);
    const parsed = await parseAllowList(body(""));
    expect(() =>
      assertValidAllowList(parsed, { allowEmpty: true, source: "fleet.csv" }),
    ).not.toThrow();
  });

  it("says when more issues exist than are listed", async () => {
    const error = await invalid("bad!\n".repeat(1200));
    expect(error.message).toMatch(/invalid allow-list, more than 1000 issues: line 1: "bad!"/);
  });
});
