import { describe, expect, it } from "vitest";
import { pollUntil, progressLine } from "../../src/progress-line.ts";

/** A stream that records what is written, a terminal or not. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  const fake = { isTTY, write: (text: string) => written.push(text) > 0 };
  return { written, stream: fake as unknown as NodeJS.WriteStream };
}

describe("progressLine", () => {
  const show = (line: ReturnType<typeof progressLine>) => {
    line.show("canary", "canary 0/1");
    line.show("canary", "canary 0/1");
    line.show("canary", "canary 1/1");
    line.show("fleet", "fleet 0/2");
    line.end();
  };

  it("prints each state that changed as its own line when piped", () => {
    const { written, stream: out } = stream(false);
    show(progressLine(out));
    expect(written.join("")).toBe("canary 0/1\ncanary 1/1\nfleet 0/2\n");
  });

  it("redraws one line per stage on a terminal, a new stage on a new line", () => {
    const { written, stream: out } = stream(true);
    show(progressLine(out));
    expect(written).toEqual(["\r\x1b[2Kcanary 0/1", "\r\x1b[2Kcanary 1/1", "\nfleet 0/2", "\n"]);
  });
});

describe("pollUntil", () => {
  it("polls until the answer is accepted, and resolves it", async () => {
    let calls = 0;
    const value = await pollUntil(
      async () => ++calls,
      (n) => n === 3,
      1,
    );
    expect(value).toBe(3);
  });
});
