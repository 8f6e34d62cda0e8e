import { describe, expect, it } from "vitest";
import { series } from "../../../console-app/panel-series.ts";

describe("a panel's chart line", () => {
  it("draws every numeric reading, leaving out values a line cannot show", () => {
    expect(
      series(
        [
          [1, 3],
          [2, "fault"],
          [3, true],
          [4, 5],
        ],
        "avg",
      ),
    ).toEqual({ times: [1, 4], values: [3, 5] });
  });

  it("turns a rate panel's counter into its per-second increase", () => {
    expect(
      series(
        [
          [10, 1000],
          [15, 6000],
          [20, 6000],
        ],
        "rate",
      ),
    ).toEqual({ times: [15, 20], values: [1000, 0] });
  });

  it("draws no rate across a counter that went down (the board rebooted)", () => {
    expect(
      series(
        [
          [10, 9000],
          [15, 200],
          [20, 700],
        ],
        "rate",
      ),
    ).toEqual({ times: [20], values: [100] });
  });
});
