import { describe, expect, it } from "vitest";
import { writeRequestBytes, writeRequestUnits } from "../../bench/support/timestream-metering.ts";

const cpu = (hostname: string) => ({
  Dimensions: [
    { Name: "region", Value: "us-east-1" },
    { Name: "az", Value: "1d" },
    { Name: "vpc", Value: "vpc-1a2b3c4d" },
    { Name: "hostname", Value: hostname },
  ],
  MeasureName: "cpu_utilization",
  MeasureValue: "35.0",
  MeasureValueType: "DOUBLE",
});

describe("Timestream write metering (bench)", () => {
  it("sizes the developer guide's example event at 83 bytes, one write unit", () => {
    const write = { Records: [cpu("host-24Gju")] };
    expect(writeRequestBytes(write)).toBe(83);
    expect(writeRequestUnits(write)).toBe(1);
  });

  it("counts repeated dimensions and common attributes once a request", () => {
    // 8 (time) + 15 (measure name) + 8 (value) per event; 34 + 18 + 18 for the shared dimensions.
    const write = { Records: [cpu("host-24Gju"), cpu("host-24Gjv")] };
    expect(writeRequestBytes(write)).toBe(2 * 31 + 15 + 4 + 15 + 2 * 18);
  });

  it("sizes a MULTI record by each measure's name and typed value", () => {
    const write = {
      CommonAttributes: { Dimensions: [{ Name: "thing", Value: "t1" }], MeasureValueType: "MULTI" },
      Records: [
        {
          MeasureName: "telemetry",
          MeasureValues: [
            { Name: "vehicle.speedKph", Value: "4", Type: "DOUBLE" },
            { Name: "vehicle.on", Value: "true", Type: "BOOLEAN" },
            { Name: "vehicle.airbag", Value: "ready", Type: "VARCHAR" },
          ],
        },
      ],
    };
    expect(writeRequestBytes(write)).toBe(8 + 9 + (16 + 8) + (10 + 1) + (14 + 5) + (5 + 2));
  });

  it("bills whole KiB: 1,025 bytes are two units", () => {
    const write = {
      Records: [
        {
          MeasureName: "m",
          MeasureValue: "x".repeat(1024 - 8 - 1 + 1),
          MeasureValueType: "VARCHAR",
        },
      ],
    };
    expect(writeRequestBytes(write)).toBe(1025);
    expect(writeRequestUnits(write)).toBe(2);
  });
});
