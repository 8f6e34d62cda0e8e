import { describe, expect, it } from "vitest";
import { series } from "../../../console-app/panel-series.ts";
import type { Reading } from "../../../console-app/telemetry-store.ts";

/** Readings at 10 s, 15 s, 20 s, ... with these values. */
const every5s = (...values: Reading[1][]): Reading[] =>
  values.map((value, i) => [10 + 5 * i, value]);

describe("a panel's chart line", () => {
  it("draws every numeric reading, leaving out values a line cannot show", () => {
    expect(series(every5s(3, "fault", true, 5), "avg")).toEqual({
      times: [10, 25],
      values: [3, 5],
    });
  });

  it("turns a rate panel's counter into its per-second increase", () => {
    expect(series(every5s(1000, 6000, 6000), "rate")).toEqual({
      times: [15, 20],
      values: [1000, 0],
    });
  });

  it("draws no rate across a counter that went down (the board rebooted)", () => {
    expect(series(every5s(9000, 200, 700), "rate")).toEqual({ times: [20], values: [100] });
  });
});
