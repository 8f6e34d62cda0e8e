import { describe, expect, it } from "vitest";
import * as z from "zod";
import { JsonTooDeepError } from "../../src/contracts/contract-errors.ts";
import {
  findJsonDepthExcess,
  MAX_JSON_DEPTH,
  parseJsonWithinDepth,
} from "../../src/contracts/json-depth.ts";
import { parseMessage } from "../../src/contracts/parse-message.ts";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("JSON depth limit", () => {
  it("parses a document nested exactly to the limit", () => {
    expect(findJsonDepthExcess(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(parseJsonWithinDepth('{"a": [{"b": 1}]}')).toEqual({ a: [{ b: 1 }] });
  });

  it("refuses one level more, naming the line and column of the bracket that went too deep", () => {
    const text = `{\n  "a":\n    ${"[".repeat(3)}${"]".repeat(3)}\n}`;
    expect(findJsonDepthExcess(text, 3)).toEqual({ line: 3, column: 7 });
    const error = (() => {
      try {
        parseJsonWithinDepth(text, 3);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(JsonTooDeepError);
    expect((error as Error).message).toBe("JSON nested deeper than 3 levels at line 3, column 7");
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ text: `\\"${"[".repeat(100)}"` });
    expect(findJsonDepthExcess(text, 1)).toBeNull();
  });

  it("refuses a 64 MiB nesting bomb at its first levels, without building it", () => {
    const bomb = "[".repeat(64 * 1024 * 1024);
    const started = performance.now();
    expect(findJsonDepthExcess(bomb)).toEqual({ line: 1, column: MAX_JSON_DEPTH + 1 });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("scans a large flat document in linear time", () => {
    const flat = JSON.stringify(Array.from({ length: 500_000 }, (_, i) => `SN-${i}`));
    const started = performance.now();
    expect(findJsonDepthExcess(flat)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("makes parseMessage refuse a deep payload as invalid JSON instead of overflowing the stack", () => {
    const payload = Buffer.from(`{"a":${nested(5000)}}`);
    expect(() => parseMessage(z.object({ a: z.unknown() }), payload, "t/x")).toThrow(
      /^Invalid message on t\/x: expected UTF-8 JSON \(JSON nested deeper than 64 levels at line 1, column 69\)$/,
    );
  });
});
