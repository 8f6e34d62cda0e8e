import { afterEach, describe, expect, it } from "vitest";
import { InfluxDbTelemetryReader, InfluxDbTelemetryStore } from "../../src/adapters/aws/index.ts";
import type { TelemetryPoint } from "../../src/ports/index.ts";
import { TelemetryStoreError } from "../../src/telemetry/telemetry-errors.ts";
import { describeTelemetryStore } from "../port-suites/index.ts";
import { parseLine, startFakeInfluxDb } from "./fakes/fake-influxdb.ts";

const TIME = Date.UTC(2026, 10, 2, 10, 15, 30, 123);
const SETTINGS = { token: "secret-token", organization: "fleet", bucket: "telemetry" };

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

let running: Awaited<ReturnType<typeof startFakeInfluxDb>>[] = [];
async function influx(options?: Parameters<typeof startFakeInfluxDb>[0]) {
  const server = await startFakeInfluxDb(options);
  running.push(server);
  const settings = { ...SETTINGS, url: server.url };
  return {
    server,
    store: new InfluxDbTelemetryStore(settings),
    reader: new InfluxDbTelemetryReader(settings),
  };
}
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
});

describeTelemetryStore(
  "InfluxDB (line protocol and Flux against a local HTTP server)",
  async () => {
    const { server, store, reader } = await startFakeInfluxDb().then((server) => {
      const settings = { ...SETTINGS, url: server.url };
      return {
        server,
        store: new InfluxDbTelemetryStore(settings),
        reader: new InfluxDbTelemetryReader(settings),
      };
    });
    return { store, reader, close: server.close };
  },
);

describe("InfluxDbTelemetryStore", () => {
  it("posts one line per point to /api/v2/write with the token, org, bucket and ms precision", async () => {
    const { server, store } = await influx();

    await store.write([
      point(),
      point({ section: "system", seq: 13, measures: { load1: 0.5, cores: 4 } }),
    ]);

    expect(server.requests).toEqual([
      {
        path: "/api/v2/write",
        query: { org: "fleet", bucket: "telemetry", precision: "ms" },
        authorization: "Token secret-token",
        body: [
          `vehicle,thing=rpi-0001 battery.soc=81,speedKph=42.5,airbags.driver="ready",seatBelts.driver=true,seq=12i,received_at_ms=${TIME + 250}i ${TIME}`,
          `system,thing=rpi-0001 load1=0.5,cores=4,seq=13i,received_at_ms=${TIME + 250}i ${TIME}`,
        ].join("\n"),
      },
    ]);
  });

  it("posts a batch of 5,000 points as one request and refuses a larger one", async () => {
    const { server, store } = await influx();
    const points = Array.from({ length: 5000 }, (_, i) =>
      point({ seq: i, time: new Date(TIME + i) }),
    );

    await expect(store.write(points)).resolves.toEqual({ rejected: [] });
    await expect(store.write([...points, point()])).rejects.toThrow(/at most 5000 points/);

    expect(store.maxPointsPerWrite).toBe(5000);
    expect(server.requests.map((request) => request.body.split("\n").length)).toEqual([5000]);
  });

  it("splits a batch whose lines pass 5 MiB over several requests", async () => {
    const { server, store } = await influx();
    // 100 lines of about 60 KB (InfluxDB strings stay under 64 KiB): about 5.7 MiB in all.
    const points = Array.from({ length: 100 }, (_, i) =>
      point({ seq: i, measures: { note: "x".repeat(60_000) } }),
    );

    await expect(store.write(points)).resolves.toEqual({ rejected: [] });

    const lines = server.requests.map((request) => request.body.split("\n").length);
    expect(lines).toHaveLength(2);
    expect(lines.reduce((sum, n) => sum + n, 0)).toBe(100);
    for (const request of server.requests) {
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
  });

  it.each([
    ["a comma", "a,b", "a\\,b"],
    ["a space", "a b", "a\\ b"],
    ["an equals sign", "a=b", "a\\=b"],
    ["a backslash", "a\\b", "a\\\\b"],
    ["a trailing backslash", "ab\\", "ab\\\\"],
    ["a double quote", 'a"b', 'a"b'],
  ])("escapes %s in the measurement, the thing tag and field keys", async (_, raw, escapedKey) => {
    const { server, store } = await influx();
    const escapedMeasurement = raw.replace(/[\\, ]/g, "\\$&");

    await store.write([
      point({ section: `s${raw}`, thing: `t${raw}`, measures: { [`f${raw}`]: 1 } }),
    ]);

    const line = server.requests[0]?.body ?? "";
    expect(line).toBe(
      `s${escapedMeasurement},thing=t${escapedKey} f${escapedKey}=1,seq=12i,received_at_ms=${TIME + 250}i ${TIME}`,
    );
    expect(parseLine(line)).toMatchObject({
      measurement: `s${raw}`,
      tags: { thing: `t${raw}` },
      fields: { [`f${raw}`]: 1 },
    });
  });

  it.each([
    ["double quotes", 'say "hi"', '"say \\"hi\\""'],
    ["backslashes", "C:\\dir\\", '"C:\\\\dir\\\\"'],
    ["commas, spaces and equals signs", "a, b=c", '"a, b=c"'],
    ["a quote after a backslash", '\\"', '"\\\\\\""'],
    ["an empty string", "", '""'],
  ])("quotes string values with %s", async (_, value, written) => {
    const { server, store } = await influx();

    await store.write([point({ measures: { label: value } })]);

    const line = server.requests[0]?.body ?? "";
    expect(line).toContain(` label=${written},seq=12i`);
    expect(parseLine(line).fields.label).toBe(value);
  });

  it("writes every number as a float, so whole and fractional readings share a field type", async () => {
    const { server, store } = await influx();

    await store.write([point({ measures: { a: 3, b: -0.25, c: 1e21, d: 0 } })]);

    expect(server.requests[0]?.body).toContain(" a=3,b=-0.25,c=1e+21,d=0,seq=12i,");
  });

  it("refuses, without sending, points line protocol cannot carry", async () => {
    const { server, store } = await influx();

    const { rejected } = await store.write([
      point({ measures: { note: "two\nlines" } }),
      point({ measures: { _value: 1 } }),
      point({ measures: { seq: 1 } }),
      point({ measures: { speed: Number.NaN } }),
      point({ seq: 1 }),
    ]);

    expect(rejected.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(rejected.every((r) => !r.retryable)).toBe(true);
    expect(rejected[0]?.reason).toMatch(/line break in a string value/);
    expect(rejected[1]?.reason).toMatch(/must not be empty or start with "_"/);
    expect(rejected[2]?.reason).toMatch(/reserved/);
    expect(server.requests).toHaveLength(1);
    expect(server.points.map((p) => p.fields.seq)).toEqual([{ integer: 1 }]);
  });

  it("reports only the points InfluxDB dropped from a partial write (422), keeping the others", async () => {
    const { server, store } = await influx({
      refuse: (p) =>
        typeof p.fields.speedKph === "string"
          ? 'field type conflict: input field "speedKph" on measurement "vehicle" is type string, already exists as type float'
          : null,
    });

    const { rejected } = await store.write([
      point({ seq: 1 }),
      point({ seq: 2, measures: { speedKph: "fast" } }),
      point({ seq: 3 }),
    ]);

    expect(rejected).toEqual([
      {
        index: 1,
        reason:
          'InfluxDB refused the point (HTTP 422): failure writing points to database: partial write: field type conflict: input field "speedKph" on measurement "vehicle" is type string, already exists as type float dropped=1',
        retryable: false,
      },
    ]);
    expect([...new Set(server.points.map((p) => JSON.stringify(p.fields.seq)))]).toEqual([
      '{"integer":1}',
      '{"integer":3}',
    ]);
  });

  it.each([429, 500, 503])(
    "fails the whole call on HTTP %i, so its records are retried",
    async (status) => {
      const { store } = await influx({
        answer: () => ({ status, body: '{"code":"unavailable","message":"busy"}' }),
      });

      const error = await store.write([point()]).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TelemetryStoreError);
      expect(error).toMatchObject({
        status,
        message: `InfluxDB write failed with HTTP ${status} (busy)`,
      });
    },
  );

  it("names the token's permission when InfluxDB refuses it", async () => {
    const { store } = await influx({
      answer: () => ({
        status: 401,
        body: '{"code":"unauthorized","message":"unauthorized access"}',
      }),
    });

    await expect(store.write([point()])).rejects.toThrow(
      "InfluxDB write failed with HTTP 401 (unauthorized access): check the token's write permission on bucket telemetry",
    );
  });

  it("fails the whole call when InfluxDB cannot be reached", async () => {
    const { server, store } = await influx();
    await server.close();

    await expect(store.write([point()])).rejects.toBeInstanceOf(TelemetryStoreError);
  });
});

describe("InfluxDbTelemetryReader", () => {
  // The Influx reader used to query measurement `speedKph` with an empty field; like the
  // Timestream reader it now asks nothing for a name that names no measure.
  it.each(["speedKph", ".speedKph", "vehicle."])(
    "reads nothing, without a query, for the measure name %j",
    async (measure) => {
      const { server } = await influx();
      const reader = new InfluxDbTelemetryReader({ ...SETTINGS, url: server.url });

      expect(await reader.query({ thing: "rpi-0001", measure, since: new Date(TIME) })).toEqual([]);
      expect(server.requests).toEqual([]);
    },
  );

  it("escapes the bucket, thing and measure as Flux string literals", async () => {
    const { server } = await influx();
    const reader = new InfluxDbTelemetryReader({ ...SETTINGS, bucket: 'b"${x}', url: server.url });

    await reader.query({
      thing: 'x" or true or r.thing == "\\',
      measure: "vehicle.a${b}\nc",
      since: new Date(TIME),
      until: new Date(TIME + 999),
      limit: 5,
    });

    const flux = (JSON.parse(server.requests[0]?.body ?? "{}") as { query: string }).query;
    expect(flux).toBe(
      [
        'from(bucket: "b\\"\\${x}")',
        `  |> range(start: ${new Date(TIME).toISOString()}, stop: ${new Date(TIME + 1000).toISOString()})`,
        '  |> filter(fn: (r) => r["thing"] == "x\\" or true or r.thing == \\"\\\\")',
        '  |> filter(fn: (r) => r._measurement == "vehicle" and (r._field == "a\\${b}\\nc" or r._field == "seq"))',
        '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
        '  |> filter(fn: (r) => exists r["a\\${b}\\nc"])',
        '  |> sort(columns: ["_time"], desc: true)',
        "  |> limit(n: 5)",
      ].join("\n"),
    );
    expect(server.requests[0]?.query).toEqual({ org: "fleet" });
  });

  it("merges the sections' tables newest first and reads quoted CSV values back intact", async () => {
    const { store, reader } = await influx();
    await store.write([
      point({ section: "system", seq: 1, measures: { label: 'a,"b"\\c' } }),
      point({ seq: 2, time: new Date(TIME + 1000), measures: { speedKph: 5 } }),
    ]);

    const samples = await reader.query({ thing: "rpi-0001", since: new Date(TIME - 1000) });

    expect(samples.map((s) => [s.seq, s.measure, s.value])).toEqual([
      [2, "vehicle.speedKph", 5],
      [1, "system.label", 'a,"b"\\c'],
    ]);
  });

  it("reports an error table in the query's answer", async () => {
    const { reader } = await influx({
      answer: (request) =>
        request.path === "/api/v2/query"
          ? {
              status: 200,
              body: '#datatype,string,string\r\n,error,reference\r\n,"bucket ""telemetry"" not found",\r\n',
            }
          : null,
    });

    await expect(reader.query({ thing: "rpi-0001", since: new Date(TIME) })).rejects.toThrow(
      'InfluxDB query failed: bucket "telemetry" not found',
    );
  });
});
