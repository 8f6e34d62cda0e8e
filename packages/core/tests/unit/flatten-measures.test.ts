import { describe, expect, it } from "vitest";
import { flattenMeasures, measureNameProblem } from "../../src/telemetry/flatten-measures.ts";
import { violation } from "./support.ts";

describe("flattenMeasures", () => {
  it("names nested values by their dotted path and array items by index", () => {
    expect(
      flattenMeasures({
        speedKph: 42.5,
        battery: { soc: 81, temperatureC: 24.5 },
        wheels: [{ speed: 10 }, { speed: 11 }],
        airbags: { driver: "ready" },
        seatBelts: { driver: true, passenger: false },
      }),
    ).toEqual({
      speedKph: 42.5,
      "battery.soc": 81,
      "battery.temperatureC": 24.5,
      "wheels.0.speed": 10,
      "wheels.1.speed": 11,
      "airbags.driver": "ready",
      "seatBelts.driver": true,
      "seatBelts.passenger": false,
    });
  });

  it("skips null and undefined values and empty containers", () => {
    expect(flattenMeasures({ a: null, b: undefined, c: {}, d: [], e: 0, f: "" })).toEqual({
      e: 0,
      f: "",
    });
  });

  it("refuses names no store can keep instead of rewriting them, naming each path", () => {
    const error = violation(() =>
      flattenMeasures({ "bad name": 1, nested: { "a:b": 2 }, ok: 3 }, "dt/device-0001/telemetry"),
    );
    expect(error.where).toBe("dt/device-0001/telemetry");
    expect(error.issues.map((issue) => issue.path)).toEqual(["bad name", "nested.a:b"]);
  });

  it("refuses values that are not finite numbers, strings or booleans", () => {
    const error = violation(() =>
      flattenMeasures({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, big: 1n, fn: () => 1 }),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["nan", "inf", "big", "fn"]);
    expect(error.issues[0]?.message).toMatch(/expected a finite number, a string or a boolean/);
  });
});

describe("measureNameProblem", () => {
  it.each(["soc", "battery.soc", "wheels.0.speed", "net.eth0.rx-bytes", "a_b", "x".repeat(256)])(
    "accepts %s",
    (name) => {
      expect(measureNameProblem(name)).toBeNull();
    },
  );

  it.each([
    ["", "starts with a letter"],
    ["0abc", "starts with a letter"],
    ["_private", "starts with a letter"],
    ["a:b", "only letters"],
    ["a b", "only letters"],
    ["crème", "only letters"],
    ["x".repeat(257), "at most 256 bytes"],
    ["time", "reserved"],
    ["seq", "reserved"],
    ["thing", "reserved"],
    ["measure_value", "reserved"],
    ["measure_value_x", "reserved"],
    ["ts_x", "reserved"],
    ["measure_names", "reserved"],
  ])("refuses %j (%s)", (name, why) => {
    expect(measureNameProblem(name)).toContain(why);
  });
});
