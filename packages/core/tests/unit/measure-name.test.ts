import { measureName, splitMeasure } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";

describe("measure names", () => {
  it("splits at the first dot: section, then the path inside it", () => {
    expect(splitMeasure("vehicle.battery.soc")).toEqual({
      section: "vehicle",
      path: "battery.soc",
    });
    expect(measureName("vehicle", "battery.soc")).toBe("vehicle.battery.soc");
  });

  // Where the two readers' copies differed: InfluxDB's made `vehicle` a section with an empty
  // path and `.soc` a path with an empty section; Timestream's named no measure. Stores only
  // ever hold `section.path` with both parts, so the latter is kept.
  it.each(["vehicle", ".soc", "vehicle.", "", "."])("names no measure with %j", (measure) => {
    expect(splitMeasure(measure)).toBeUndefined();
  });
});
