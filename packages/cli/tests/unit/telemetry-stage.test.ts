import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { QueryCommand, TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

describe("fleet telemetry query --stage", () => {
  const ssm = mockClient(SSMClient);
  const timestream = mockClient(TimestreamQueryClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    ssm.reset();
    timestream.reset();
  });
  /** The stage says its store is Timestream (the SSM parameter the telemetry stack writes). */
  const publishTimestreamStore = () =>
    ssm.on(GetParameterCommand, { Name: "/fleet/dev/telemetry-store" }).resolves({
      Parameter: {
        Value: JSON.stringify({ kind: "timestream", database: "fleet-dev", table: "telemetry" }),
      },
    });

  it("reads the store the stage publishes in SSM and prints the device's samples", async () => {
    publishTimestreamStore();
    timestream.on(QueryCommand).resolves({
      ColumnInfo: [
        { Name: "thing", Type: { ScalarType: "VARCHAR" } },
        { Name: "measure_name", Type: { ScalarType: "VARCHAR" } },
        { Name: "time", Type: { ScalarType: "TIMESTAMP" } },
        { Name: "seq", Type: { ScalarType: "BIGINT" } },
        { Name: "vehicle.battery.soc", Type: { ScalarType: "DOUBLE" } },
      ],
      Rows: [
        {
          Data: [
            { ScalarValue: "rpi-1" },
            { ScalarValue: "telemetry" },
            { ScalarValue: "2026-11-21 10:15:30.123000000" },
            { ScalarValue: "42" },
            { ScalarValue: "81.5" },
          ],
        },
      ],
    });

    const code = await main([
      "telemetry",
      "query",
      "--device",
      "rpi-1",
      "--since",
      "2026-11-21T10:00:00Z",
      "--measure",
      "vehicle.battery.soc",
      "--stage",
      "dev",
      "--json",
    ]);

    expect(code).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual([
      {
        thing: "rpi-1",
        time: "2026-11-21T10:15:30.123Z",
        seq: 42,
        measure: "vehicle.battery.soc",
        value: 81.5,
      },
    ]);
    const sql = timestream.commandCalls(QueryCommand)[0]?.args[0].input.QueryString ?? "";
    expect(sql).toContain(`FROM "fleet-dev"."telemetry"`);
    expect(sql).toContain(`"thing" = 'rpi-1'`);
    expect(sql).toContain(`"vehicle.battery.soc" IS NOT NULL`);
  });

  it("measures lists the names in the device's newest records", async () => {
    publishTimestreamStore();
    timestream.on(QueryCommand).resolves({
      ColumnInfo: [
        { Name: "thing", Type: { ScalarType: "VARCHAR" } },
        { Name: "time", Type: { ScalarType: "TIMESTAMP" } },
        { Name: "seq", Type: { ScalarType: "BIGINT" } },
        { Name: "vehicle.speedKph", Type: { ScalarType: "DOUBLE" } },
        { Name: "vehicle.battery.soc", Type: { ScalarType: "DOUBLE" } },
        { Name: "led.on", Type: { ScalarType: "BOOLEAN" } },
      ],
      Rows: [
        {
          Data: [
            { ScalarValue: "rpi-1" },
            { ScalarValue: "2026-11-21 10:15:30.123000000" },
            { ScalarValue: "42" },
            { ScalarValue: "12.5" },
            { ScalarValue: "81.5" },
            { NullValue: true },
          ],
        },
      ],
    });
    const args = ["telemetry", "measures", "--device", "rpi-1", "--stage", "dev", "--json"];
    expect(await main(args)).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual(["vehicle.battery.soc", "vehicle.speedKph"]);
    expect(stderr.join("")).toBe("");
  });

  it("says how to deploy when the stage publishes no telemetry store", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("nope"), { name: "ParameterNotFound" }));
    expect(await main(["telemetry", "query", "--device", "rpi-1", "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toMatch(/publishes no telemetry store .*sst deploy --stage dev/);
  });

  it("refuses a device that is not a serial before calling AWS", async () => {
    expect(await main(["telemetry", "query", "--device", "bad serial", "--stage", "dev"])).toBe(2);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("refuses a --limit past the operator API's maximum on both targets, before calling AWS", async () => {
    const args = ["telemetry", "query", "--device", "rpi-1", "--limit", "50000", "--stage", "dev"];
    expect(await main(args)).toBe(2);
    expect(stderr.join("")).toMatch(/--limit 50000: expected a whole number from 1 to 10000/);
    expect(ssm.calls()).toHaveLength(0);
  });
});
