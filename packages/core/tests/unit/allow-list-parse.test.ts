import { describe, expect, it } from "vitest";
import { AllowListTooLargeError } from "../../src/allow-list/allow-list-errors.ts";
import { ALLOW_LIST_MAX_BYTES, parseAllowList } from "../../src/allow-list/index.ts";

const encoder = new TextEncoder();

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array | string> {
  yield* parts;
}

const parse = (text: string) => parseAllowList(chunks(encoder.encode(text)));

describe("parseAllowList, text form", () => {
  it("reads one serial per line, skipping blank lines and comments", async () => {
    const parsed = await parse("# fleet A\nSN-0001\n\nSN-0002  # spare board\n   \nSN-0003\n");
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002", "SN-0003"]);
    expect(parsed).toMatchObject({ format: "text", lineCount: 6, errors: [], duplicates: [] });
  });

  it("takes the first column of CSV lines and skips a `serial` header", async () => {
    const parsed = await parse('Serial,site,notes\nSN-0001,Leeds,rack 3\n"SN-0002","Oslo"\n');
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002"]);
    expect(parsed.errors).toEqual([]);
  });

  it("treats `serial` as a header only on the first content line", async () => {
    const parsed = await parse("# export\nserial\nSN-0001\nserial\n");
    expect([...parsed.serials]).toEqual(["SN-0001", "serial"]);
  });

  it("accepts CRLF line ends and a UTF-8 byte order mark", async () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    const parsed = await parseAllowList(
      chunks(bom, encoder.encode("serial\r\nSN-0001\r\nSN-0002\r\n")),
    );
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002"]);
    expect(parsed.errors).toEqual([]);
  });

  it("names each malformed line by number and text", async () => {
    const parsed = await parse("SN-0001\nbad serial!\nSN-0002\nab\n,no serial\nSN-0003\n");
    expect(parsed.errors).toEqual([
      {
        line: 2,
        text: "bad serial!",
        message: expect.stringMatching(/^is not a valid serial \(a serial is 4-64/),
      },
      { line: 4, text: "ab", message: expect.stringMatching(/^is not a valid serial/) },
      { line: 5, text: ",no serial", message: "has no serial in its first column" },
    ]);
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002", "SN-0003"]);
  });

  it("reports duplicates with every line that lists them, keeping the serial once", async () => {
    const parsed = await parse("SN-0001\nSN-0002\nSN-0001\nSN-0003\nSN-0001\nSN-0002\n");
    expect(parsed.serials.size).toBe(3);
    expect(parsed.errors).toEqual([]);
    expect(parsed.duplicates).toEqual([
      { serial: "SN-0001", lines: [1, 3, 5] },
      { serial: "SN-0002", lines: [2, 6] },
    ]);
  });

  it("gives the same result however the body is split into chunks", async () => {
    const text = "\uFEFFserial,note\r\nSN-0001,a # x\r\nbad!\r\nSN-ÄÖ01\r\n\r\nSN-0002\r\nSN-0001";
    const bytes = encoder.encode(text);
    const whole = await parseAllowList(chunks(bytes));
    for (let size = 1; size <= 7; size++) {
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
      expect(await parseAllowList(chunks(...pieces))).toEqual(whole);
    }
    expect([...whole.serials]).toEqual(["SN-0001", "SN-0002"]);
    expect(whole.errors.map((issue) => [issue.line, issue.text])).toEqual([
      [3, "bad!"],
      [4, "SN-ÄÖ01"],
    ]);
    expect(whole.duplicates).toEqual([{ serial: "SN-0001", lines: [2, 7] }]);
  });

  it("splits lines correctly across chunk boundaries, also for string chunks", async () => {
    const parsed = await parseAllowList(chunks("SN-00", "01\nSN-", "0002\n", "SN-0003"));
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002", "SN-0003"]);
    expect(parsed.lineCount).toBe(3);
  });

  it("returns an empty list for an empty file or one with only comments", async () => {
    expect(await parse("")).toMatchObject({ format: "text", lineCount: 0, errors: [] });
    const commentsOnly = await parse("# nothing yet\n\nserial\n");
    expect(commentsOnly.serials.size).toBe(0);
    expect(commentsOnly.errors).toEqual([]);
  });

  it("reports an overlong line without holding it, and carries on after it", async () => {
    const parsed = await parseAllowList(
      chunks("SN-0001\n", "x".repeat(5000), "y".repeat(5000), "\nSN-0002\n"),
    );
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002"]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/longer than/),
    });
    expect(parsed.errors[0]?.text.length).toBeLessThanOrEqual(81);
  });

  it("lists at most 1000 issues, then says the rest are not listed", async () => {
    const parsed = await parse("bad!\n".repeat(1500));
    expect(parsed.errors).toHaveLength(1001);
    expect(parsed.errors[1000]).toMatchObject({
      line: 0,
      message: expect.stringMatching(/not listed/),
    });
    expect(parsed.lineCount).toBe(1500);
  });
});

describe("parseAllowList, JSON form", () => {
  it("reads an array of serials", async () => {
    const parsed = await parse('  ["SN-0001", "SN-0002"]');
    expect(parsed).toMatchObject({ format: "json", lineCount: 2, errors: [] });
    expect([...parsed.serials]).toEqual(["SN-0001", "SN-0002"]);
  });

  it('reads { "serials": [...] } and numbers issues and duplicates by entry', async () => {
    const parsed = await parse('\uFEFF{ "serials": ["SN-0001", "bad!", 42, "SN-0001"] }');
    expect(parsed.format).toBe("json");
    expect([...parsed.serials]).toEqual(["SN-0001"]);
    expect(parsed.errors).toEqual([
      { line: 2, text: "bad!", message: expect.stringMatching(/^is not a valid serial/) },
      { line: 3, text: "42", message: "is a number, not a string" },
    ]);
    expect(parsed.duplicates).toEqual([{ serial: "SN-0001", lines: [1, 4] }]);
  });

  it("reports invalid JSON as an issue rather than throwing", async () => {
    const parsed = await parse('["SN-0001", "SN-0002",,]');
    expect(parsed.serials.size).toBe(0);
    expect(parsed.errors).toEqual([
      {
        line: 0,
        text: expect.any(String),
        message: expect.stringMatching(/^is not valid JSON \(/),
      },
    ]);
  });

  it("reports JSON of the wrong shape", async () => {
    const parsed = await parse('{ "devices": ["SN-0001"] }');
    expect(parsed.errors).toEqual([
      {
        line: 0,
        text: '{ "devices": ["SN-0001"] }',
        message: expect.stringMatching(/neither an array/),
      },
    ]);
  });
});

describe("parseAllowList, JSON nesting limit", () => {
  it("refuses a JSON document nested too deep, naming the line and column", async () => {
    const parsed = await parse(`{\n  "serials": ["SN-0001",\n    [[[[[[[["SN-0002"]]]]]]]]]\n}`);
    expect(parsed.serials.size).toBe(0);
    expect(parsed.errors).toEqual([
      {
        line: 0,
        text: "[[[[[[[",
        message: "is JSON nested deeper than 8 levels at line 3, column 11",
      },
    ]);
  });

  it("refuses a 64 MiB nesting bomb in bounded time and memory", async () => {
    const bomb = encoder.encode("[".repeat(ALLOW_LIST_MAX_BYTES));
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const parsed = await parseAllowList(chunks(bomb));
    expect(performance.now() - started).toBeLessThan(5000);
    // The text itself (64 MiB) is held once; nested arrays would be gigabytes.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 * 1024 * 1024);
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        line: 0,
        message: "is JSON nested deeper than 8 levels at line 1, column 9",
      }),
    ]);
  });
});

describe("parseAllowList, size limit", () => {
  it("refuses a 100 MB body once the limit is crossed, without reading the rest", async () => {
    // 1 MiB comment lines: cheap to scan, so the test measures the limit, not the parser.
    const chunk = encoder.encode(`#${" ".repeat(1024 * 1024 - 2)}\n`);
    let pulled = 0;
    let closed = false;
    async function* hundredMegabytes() {
      try {
        for (; pulled < 100; ) {
          pulled += 1;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    const error = await parseAllowList(hundredMegabytes()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllowListTooLargeError);
    expect(error).toMatchObject({ maxBytes: ALLOW_LIST_MAX_BYTES, actualBytes: undefined });
    expect(pulled).toBe(Math.floor(ALLOW_LIST_MAX_BYTES / chunk.byteLength) + 1);
    expect(closed).toBe(true);
  });

  it("refuses a body whose declared size is over the limit before reading any of it", async () => {
    let pulled = false;
    async function* body() {
      pulled = true;
      yield "SN-0001\n";
    }
    const error = await parseAllowList(body(), { size: 100 * 1024 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "AllowListTooLargeError", actualBytes: 100 * 1024 * 1024 });
    expect((error as Error).message).toMatch(/larger than the limit of 67108864 bytes/);
    expect(pulled).toBe(false);
  });

  it("honours a smaller maxBytes", async () => {
    await expect(parseAllowList(chunks("SN-0001\nSN-0002\n"), { maxBytes: 10 })).rejects.toThrow(
      AllowListTooLargeError,
    );
    await expect(parseAllowList(chunks("SN-0001\n"), { maxBytes: 10 })).resolves.toMatchObject({
      errors: [],
    });
  });
});
