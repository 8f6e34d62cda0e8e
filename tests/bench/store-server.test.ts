import {
  TimestreamWriteClient,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from "@aws-sdk/client-timestream-write";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeToLoopback } from "../../bench/support/loopback-transport.ts";
import { type StoreServer, startStoreServer } from "../../bench/support/store-server.ts";

const REGION = "eu-west-1";
const INFLUX_HOST = "influxdb.bench.invalid";
let server: StoreServer;

beforeAll(async () => {
  server = await startStoreServer({ latencyMs: 5, concurrency: 2, region: REGION });
  routeToLoopback(server.port, INFLUX_HOST);
});
afterAll(() => server.close());

function client() {
  return new TimestreamWriteClient({
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  });
}

function write(records: number): WriteRecordsCommandInput {
  return {
    DatabaseName: "bench",
    TableName: "telemetry",
    CommonAttributes: { Dimensions: [{ Name: "thing", Value: "t1" }], MeasureValueType: "MULTI" },
    Records: Array.from({ length: records }, (_, i) => ({
      MeasureName: "telemetry",
      Time: String(Date.now() + i),
      MeasureValues: [{ Name: "vehicle.speedKph", Value: String(i), Type: "DOUBLE" }],
    })),
  };
}

describe("the bench's store server", () => {
  it("answers the real SDK's endpoint discovery, then takes its writes at the cell it named", async () => {
    server.reset();
    await client().send(new WriteRecordsCommand(write(100)));
    expect(server.counters).toMatchObject({ describeEndpoints: 1, writeRecords: 1, records: 100 });
    expect(server.counters.writeUnits).toBeGreaterThan(0);
  });

  it("refuses more than 100 records a call, as Timestream does", async () => {
    await expect(client().send(new WriteRecordsCommand(write(101)))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("rejects a MULTI record over 2 KB by its index", async () => {
    const input = write(2);
    input.Records?.[1]?.MeasureValues?.push({
      Name: "note",
      Value: "x".repeat(2100),
      Type: "VARCHAR",
    });
    await expect(client().send(new WriteRecordsCommand(input))).rejects.toMatchObject({
      name: "RejectedRecordsException",
      RejectedRecords: [expect.objectContaining({ RecordIndex: 1 })],
    });
  });

  it("takes InfluxDB line protocol at /api/v2/write and counts its lines", async () => {
    server.reset();
    const response = await fetch(`https://${INFLUX_HOST}:8086/api/v2/write?org=o&bucket=b`, {
      method: "POST",
      body: "vehicle,thing=t1 speedKph=1 1\nvehicle,thing=t1 speedKph=2 2",
    });
    expect(response.status).toBe(204);
    expect(server.counters).toMatchObject({ influxWrites: 1, influxLines: 2 });
  });

  it("keeps at most `concurrency` requests in service and queues the rest", async () => {
    server.reset();
    await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`https://${INFLUX_HOST}:8086/api/v2/write`, { method: "POST", body: "m f=1 1" }),
      ),
    );
    expect(server.counters).toMatchObject({ peakQueued: 4, peakInService: 2, influxWrites: 4 });
  });
});
