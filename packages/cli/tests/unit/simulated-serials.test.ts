import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { parseDevicesOption } from "../../src/sandbox/simulated-serials.ts";

describe("parseDevicesOption", () => {
  it("names a count of simulated devices sim-0001, sim-0002, ...", () => {
    expect(parseDevicesOption("3")).toEqual(["sim-0001", "sim-0002", "sim-0003"]);
  });

  it("takes an explicit comma-separated list of serials as given", () => {
    expect(parseDevicesOption("10000000a1b2c3d4, board-7")).toEqual([
      "10000000a1b2c3d4",
      "board-7",
    ]);
  });

  it("names the position and text of an invalid serial", () => {
    expect(() => parseDevicesOption("good-1,bad serial")).toThrow(
      /item 2 "bad serial" is not a valid serial/,
    );
  });

  it("rejects a serial listed twice", () => {
    expect(() => parseDevicesOption("dev-1,dev-1")).toThrow(/"dev-1" is listed twice/);
  });

  it("rejects a count above the limit as a usage error", () => {
    expect(() => parseDevicesOption("5000")).toThrow(UsageError);
  });
});
