import { QueryCommand } from "@aws-sdk/client-timestream-query";
import {
  RejectedRecordsException,
  TimestreamWriteClient,
  ValidationException,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from "@aws-sdk/client-timestream-write";
import { describe, expect, it } from "vitest";
import {
  AWS_CLIENT_RETRY,
  TimestreamTelemetryReader,
  TimestreamTelemetryStore,
} from "../../src/adapters/aws/index.ts";
import type { TelemetryPoint } from "../../src/ports/index.ts";
import { describeTelemetryStore } from "../port-suites/index.ts";
import { inMemoryTimestream } from "./fakes/in-memory-timestream.ts";
import {
  onFakeClock,
  type StubReply,
  stubHttpHandler,
  TEST_CREDENTIALS,
  throttled,
} from "./fakes/stub-http-handler.ts";

const DATABASE = "fleet-dev-telemetry";
const TABLE = "telemetry";
const TIME = Date.UTC(2026, 10, 2, 10, 15, 30, 123);

function point(overrides: Partial<TelemetryPoint> = {}): TelemetryPoint {
  return {
    thing: "rpi-0001",
    section: "vehicle",
    time: new Date(TIME),
    receivedAt: new Date(TIME + 250),
    seq: 12,
    measures: {
      "battery.soc": 81,
      speedKph: 42.5,
      "airbags.driver": "ready",
      "seatBelts.driver": true,
    },
    ...overrides,
  };
}

function subject(pageSize?: number) {
  const fake = inMemoryTimestream({ pageSize });
  return {
    fake,
    store: new TimestreamTelemetryStore({
      client: fake.writeClient,
      database: DATABASE,
      table: TABLE,
    }),
    reader: new TimestreamTelemetryReader({
      client: fake.queryClient,
      database: DATABASE,
      table: TABLE,
    }),
  };
}

function writeInputs(fake: ReturnType<typeof inMemoryTimestream>) {
  return fake.write.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input);
}

describeTelemetryStore("Timestream (aws-sdk-client-mock over an in-memory table)", async () => {
  const { store, reader } = subject();
  return { store, reader };
});

describe("TimestreamTelemetryStore", () => {
  it("writes one MULTI record per message with the thing as common dimension and every number as DOUBLE", async () => {
    const { fake, store } = subject();

    await store.write([point(), point({ section: "system", measures: { load1: 0.5 } })]);

    expect(writeInputs(fake)).toEqual([
      {
        DatabaseName: DATABASE,
        TableName: TABLE,
        CommonAttributes: {
          Dimensions: [{ Name: "thing", Value: "rpi-0001" }],
          MeasureValueType: "MULTI",
          TimeUnit: "MILLISECONDS",
        },
        Records: [
          {
            MeasureName: "telemetry",
            Time: String(TIME),
            Version: TIME + 250,
            MeasureValues: [
              { Name: "vehicle.battery.soc", Value: "81", Type: "DOUBLE" },
              { Name: "vehicle.speedKph", Value: "42.5", Type: "DOUBLE" },
              { Name: "vehicle.airbags.driver", Value: "ready", Type: "VARCHAR" },
              { Name: "vehicle.seatBelts.driver", Value: "true", Type: "BOOLEAN" },
              { Name: "system.load1", Value: "0.5", Type: "DOUBLE" },
              { Name: "seq", Value: "12", Type: "BIGINT" },
              { Name: "received_at_ms", Value: String(TIME + 250), Type: "BIGINT" },
            ],
          },
        ],
      },
    ]);
  });

  it("puts the thing dimension on each record when a batch mixes things", async () => {
    const { fake, store } = subject();

    await store.write([point(), point({ thing: "rpi-0002" })]);

    const [input] = writeInputs(fake);
    expect(input?.CommonAttributes).toEqual({
      MeasureValueType: "MULTI",
      TimeUnit: "MILLISECONDS",
    });
    expect(input?.Records?.map((r) => r.Dimensions)).toEqual([
      [{ Name: "thing", Value: "rpi-0001" }],
      [{ Name: "thing", Value: "rpi-0002" }],
    ]);
  });

  it("writes 100 messages of three sections in one call of 100 records and refuses over 1,000 points", async () => {
    const { fake, store } = subject();
    const points = Array.from({ length: 100 }, (_, i) =>
      ["heartbeat", "system", "vehicle"].map((section) =>
        point({ section, seq: i, time: new Date(TIME + i) }),
      ),
    ).flat();

    await store.write(points);
    const tooMany = Array.from({ length: 1001 }, (_, i) => point({ seq: i }));
    await expect(store.write(tooMany)).rejects.toThrow(/at most 1000 points/);

    expect(store.maxMessagesPerWrite).toBe(100);
    expect(writeInputs(fake).map((input) => input.Records?.length)).toEqual([100]);
    expect(writeInputs(fake)[0]?.Records?.[0]?.MeasureValues).toHaveLength(3 * 4 + 2);
  });

  it("spreads a message past a record's 2 KB over records telemetry, telemetry.2, ...", async () => {
    const { fake, store } = subject();
    // 30 measures of 30-byte names and 8-byte values: about 1.1 KB a section.
    const wide = (prefix: string) =>
      Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [`${prefix}${"x".repeat(20)}${i}`, i]),
      );

    const { rejected } = await store.write([
      point({ section: "vehicle", measures: wide("a") }),
      point({ section: "system", measures: wide("b") }),
      point({ seq: 13, section: "system", measures: { load1: 1 } }),
    ]);

    expect(rejected).toEqual([]);
    const records = writeInputs(fake)[0]?.Records ?? [];
    expect(records.map((r) => [r.MeasureName, r.Time, r.MeasureValues?.length])).toEqual([
      ["telemetry", String(TIME), 32],
      ["telemetry.2", String(TIME), 32],
      ["telemetry", String(TIME), 3],
    ]);
  });

  it("refuses, without sending, a section too big for one record", async () => {
    const { fake, store } = subject();
    const huge = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`measure${"y".repeat(20)}${i}`, i]),
    );

    const { rejected } = await store.write([point({ measures: huge }), point({ seq: 13 })]);

    expect(rejected).toEqual([
      {
        index: 0,
        reason: expect.stringMatching(
          /^section vehicle takes \d+ bytes; a Timestream record holds at most 2048$/,
        ),
        retryable: false,
      },
    ]);
    expect(writeInputs(fake)[0]?.Records).toHaveLength(1);
  });

  it("reports the records Timestream rejected by the index of their point", async () => {
    const { fake, store } = subject();
    fake.write.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        message: "One or more records have been rejected.",
        $metadata: {},
        RejectedRecords: [
          {
            RecordIndex: 1,
            Reason: "The record timestamp is outside the time range of the data ingestion window.",
          },
          { RecordIndex: 0, Reason: "Measure values are different", ExistingVersion: 7 },
        ],
      }),
    );

    // Point 0 is refused before sending, so record 0 is point 1 and record 1 is point 2.
    const { rejected } = await store.write([
      point({ measures: { label: "" } }),
      point({ seq: 1 }),
      point({ seq: 2 }),
    ]);

    expect(rejected).toEqual([
      {
        index: 0,
        reason:
          "measure vehicle.label: Timestream VARCHAR measure values have 1..2048 characters, got 0",
        retryable: false,
      },
      {
        index: 1,
        reason: "Timestream rejected the record: Measure values are different (existing version 7)",
        retryable: false,
      },
      {
        index: 2,
        reason:
          "Timestream rejected the record: The record timestamp is outside the time range of the data ingestion window.",
        retryable: false,
      },
    ]);
    expect(writeInputs(fake)[0]?.Records).toHaveLength(2);
  });

  it("refuses, without sending, points Timestream would refuse the whole call for", async () => {
    const { fake, store } = subject();

    const { rejected } = await store.write([
      point({ section: "ts_meta", measures: { seq: 3 } }),
      point({ section: "measure_name_x", measures: { offset: 1 } }),
      point({ measures: { note: "x".repeat(2049) } }),
      point({ measures: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`m${i}`, i])) }),
      point({ measures: { ok: 1 } }),
    ]);

    expect(rejected.map((r) => [r.index, r.retryable])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(rejected[0]?.reason).toMatch(
      /section ts_meta: its columns would start with a name Timestream reserves/,
    );
    expect(rejected[1]?.reason).toMatch(/section measure_name_x: its columns would start/);
    expect(rejected[3]?.reason).toMatch(/255 measures; a Timestream record holds at most 254/);
    expect(
      writeInputs(fake).map((input) => input.Records?.map((r) => r.MeasureValues?.[0]?.Name)),
    ).toEqual([["vehicle.ok"]]);
  });

  it("finds the point behind a ValidationException by writing the batch one point at a time", async () => {
    const { fake, store } = subject();
    fake.write.on(WriteRecordsCommand).callsFake(async (input: WriteRecordsCommandInput) => {
      const names = (input.Records ?? []).flatMap((r) =>
        (r.MeasureValues ?? []).map((m) => m.Name),
      );
      if (names.includes("vehicle.bad")) {
        const message = "Invalid measure name bad";
        throw new ValidationException({ message, Message: message, $metadata: {} });
      }
      return {};
    });

    const { rejected } = await store.write([
      point(),
      point({ seq: 2, measures: { bad: 1 } }),
      point({ seq: 3 }),
    ]);

    expect(rejected).toEqual([
      {
        index: 1,
        reason: "Timestream refused the record: Invalid measure name bad",
        retryable: false,
      },
    ]);
    expect(writeInputs(fake).map((input) => input.Records?.length)).toEqual([3, 1, 1, 1]);
  });

  it("discovers the ingestion endpoint, retries throttled writes, then fails the call", async () => {
    const { handler, requests } = stubHttpHandler((request): StubReply => {
      if (request.headers["x-amz-target"]?.endsWith("DescribeEndpoints")) {
        return {
          statusCode: 200,
          body: {
            Endpoints: [
              {
                Address: "ingest-cell2.timestream.eu-west-1.amazonaws.com",
                CachePeriodInMinutes: 1440,
              },
            ],
          },
        };
      }
      return throttled();
    });
    const store = new TimestreamTelemetryStore({
      client: new TimestreamWriteClient({
        ...AWS_CLIENT_RETRY,
        maxAttempts: 3,
        region: "eu-west-1",
        credentials: TEST_CREDENTIALS,
        requestHandler: handler,
      }),
      database: DATABASE,
      table: TABLE,
    });

    const error = await onFakeClock(() => store.write([point()])).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ThrottlingException" });
    expect(requests.map((r) => r.headers["x-amz-target"])).toEqual([
      "Timestream_20181101.DescribeEndpoints",
      "Timestream_20181101.WriteRecords",
      "Timestream_20181101.WriteRecords",
      "Timestream_20181101.WriteRecords",
    ]);
  });
});

describe("TimestreamTelemetryReader", () => {
  it("quotes names and values in the SQL so a query cannot inject into it", async () => {
    const fake = inMemoryTimestream();
    const reader = new TimestreamTelemetryReader({
      client: fake.queryClient,
      database: 'fleet"db',
      table: TABLE,
    });

    await reader.query({
      thing: "x' OR '1'='1",
      measure: 'vehicle.a" IS NULL OR "b',
      since: new Date(TIME),
      until: new Date(TIME + 1000),
      limit: 5,
    });

    expect(fake.queries).toEqual([
      `SELECT * FROM "fleet""db"."telemetry" WHERE "thing" = 'x'' OR ''1''=''1' AND time >= from_milliseconds(${TIME}) AND time <= from_milliseconds(${TIME + 1000}) AND "vehicle.a"" IS NULL OR ""b" IS NOT NULL ORDER BY time DESC LIMIT 5`,
    ]);
  });

  it("follows NextToken across pages and keeps the newest samples first", async () => {
    const { store, reader, fake } = subject(1);
    await store.write(
      [0, 1, 2].map((i) =>
        point({ seq: i, time: new Date(TIME + i * 1000), measures: { speedKph: i } }),
      ),
    );

    const samples = await reader.query({ thing: "rpi-0001", since: new Date(TIME) });

    expect(samples.map((s) => [s.seq, s.time.getTime(), s.measure, s.value])).toEqual([
      [2, TIME + 2000, "vehicle.speedKph", 2],
      [1, TIME + 1000, "vehicle.speedKph", 1],
      [0, TIME, "vehicle.speedKph", 0],
    ]);
    expect(fake.query.commandCalls(QueryCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      "1",
      "2",
    ]);
  });

  it("reads nothing for a measure name without a section", async () => {
    const { reader, fake } = subject();

    expect(
      await reader.query({ thing: "rpi-0001", measure: "speedKph", since: new Date(TIME) }),
    ).toEqual([]);
    expect(fake.queries).toEqual([]);
  });
});
