// Telemetry ingest where it costs: the real ingest handler (packages/functions), fed Kinesis
// event batches, writes through the real AWS SDK and fetch to a store server on loopback that
// answers like the services (support/store-server.ts: a few tens of ms a request, a concurrency
// limit, Timestream's endpoint discovery, InfluxDB's /api/v2/write). In one run:
// (1) Timestream: end-to-end messages/s of the handler against the naive writer on the same
//     server (one WriteRecords per message, one single-measure record per value, as many
//     writes in flight as the ingest), target >= 5x; write calls per 10,000 messages, target
//     100 (one MULTI record per message, 100 a call); billed write units and the write cost
//     per million messages at AWS's published price;
// (2) the previous record shape (a MULTI record per section) on the same server, for its calls
//     and metered bytes beside one record a message;
// (3) InfluxDB: the handler's write requests and points per request.
// Messages are realistic: heartbeat + system + vehicle sections from the device's own sources.

import {
  TimestreamWriteClient,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from "@aws-sdk/client-timestream-write";
import { AWS_CLIENT_RETRY } from "@fleet/core/adapters/aws";
import type { Telemetry } from "@fleet/core/contracts";
import { buildTelemetryMessage, createSystemSource, createVehicleSource } from "@fleet/device";
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import pLimit from "p-limit";
import { routeToLoopback } from "./support/loopback-transport.ts";
import { type StoreCounters, startStoreServer } from "./support/store-server.ts";
import {
  type DecodedMessage,
  decodeMessage,
  naiveWrite,
  perSectionWrites,
} from "./support/timestream-baselines.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
/** The naive writer is slow by design: its rate is measured on fewer messages. */
const NAIVE_MESSAGES = Number(process.env.BENCH_NAIVE_MESSAGES ?? 2_000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const KINESIS_BATCH = 500;
/** Per request, as Timestream's WriteRecords and InfluxDB's write take over the network. */
const LATENCY_MS = Number(process.env.BENCH_STORE_LATENCY_MS ?? 30);
const STORE_CONCURRENCY = 8;
/** The ingest's own default (createIngestTelemetry): the naive writer gets as many. */
const WRITES_IN_FLIGHT = 4;
const REGION = "eu-west-1";
const INFLUX_HOST = "influxdb.bench.invalid";
const TARGET_SPEEDUP = 5;
const TARGET_CALLS_PER_10K = 100;
// Timestream for LiveAnalytics writes: $0.50 per million writes of 1 KiB (aws.amazon.com/
// timestream/pricing, US East; the published figure as archived on 2020-07-28, the page's
// write metering unchanged when read on 2026-12-06). Check the page before quoting a bill.
const USD_PER_MILLION_WRITE_UNITS = 0.5;

/** A device's readings over time, as its sources produce them. */
async function deviceReadings(serial: string, count: number, startedAt: number) {
  const vehicle = createVehicleSource({ seed: serial.length * 7919, startedAt });
  const system = createSystemSource();
  const systemReading = await system.read(startedAt);
  const messages: Telemetry[] = [];
  for (let seq = 0; seq < count; seq++) {
    const now = startedAt + seq * 1000;
    messages.push(
      buildTelemetryMessage({
        seq,
        now,
        sections: {
          heartbeat: { uptimeSeconds: seq, clientVersion: "0.1.0", reconnects: 0 },
          system: systemReading,
          vehicle: await vehicle.read(now),
        },
      }).message,
    );
  }
  return messages;
}

/** Kinesis stream records as the telemetry rule writes them, the fleet interleaved in time. */
async function streamRecords(count: number): Promise<KinesisStreamRecord[]> {
  const perDevice = Math.ceil(count / DEVICES);
  const startedAt = Date.now() - perDevice * 1000;
  const fleet = await Promise.all(
    Array.from({ length: DEVICES }, async (_, d) => {
      const thing = `bench-${String(d).padStart(4, "0")}`;
      return { thing, messages: await deviceReadings(thing, perDevice, startedAt) };
    }),
  );
  const records: KinesisStreamRecord[] = [];
  for (let seq = 0; seq < perDevice && records.length < count; seq++) {
    for (const { thing, messages } of fleet) {
      if (records.length === count) break;
      const data = JSON.stringify({ ...messages[seq], thing, receivedAt: Date.now() });
      const sequenceNumber = String(records.length).padStart(20, "0");
      records.push({
        kinesis: {
          kinesisSchemaVersion: "1.0",
          partitionKey: thing,
          sequenceNumber,
          data: Buffer.from(data).toString("base64"),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "arn:aws:iam::123456789012:role/bench-ingest",
        awsRegion: REGION,
        eventSourceARN: `arn:aws:kinesis:${REGION}:123456789012:stream/bench-telemetry`,
      });
    }
  }
  return records;
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "bench-telemetry-ingest",
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:bench-telemetry-ingest`,
  memoryLimitInMB: "512",
  awsRequestId: "bench",
  logGroupName: "/aws/lambda/bench-telemetry-ingest",
  logStreamName: "bench",
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

type Handler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<{ batchItemFailures: unknown[] }>;

/** The ingest handler, loaded fresh (a cold start) with the store its variables name. */
async function coldHandler(variables: Record<string, string>): Promise<Handler> {
  Object.assign(process.env, variables);
  const url = import.meta.resolve("@fleet/functions/handlers/telemetry-ingest");
  const module = (await import(`${url}?store=${variables.TELEMETRY_STORE}`)) as {
    handler: Handler;
  };
  return module.handler;
}

/** Messages/s, and this process's CPU time a message (the handler's and the server's), in µs. */
interface Rate {
  perSecond: number;
  cpuMicros: number;
}

async function measured(messages: number, run: () => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: messages / seconds, cpuMicros: (used.user + used.system) / messages };
}

/** Feeds the records to the handler in Kinesis batches, one invocation after another (a shard). */
function drive(handler: Handler, records: readonly KinesisStreamRecord[]): Promise<Rate> {
  return measured(records.length, async () => {
    for (let at = 0; at < records.length; at += KINESIS_BATCH) {
      const result = await handler({ Records: records.slice(at, at + KINESIS_BATCH) }, context);
      if (result.batchItemFailures.length > 0) {
        throw new Error(`the handler failed ${result.batchItemFailures.length} records`);
      }
    }
  });
}

/**
 * A baseline writer: decodes each Kinesis batch as the ingest does and sends what `writesOf`
 * makes of it through the SDK, as many calls in flight as the ingest.
 */
function driveWriter(
  records: readonly KinesisStreamRecord[],
  writesOf: (batch: DecodedMessage[]) => WriteRecordsCommandInput[],
): Promise<Rate> {
  const client = new TimestreamWriteClient({ ...AWS_CLIENT_RETRY, region: REGION });
  const limit = pLimit(WRITES_IN_FLIGHT);
  return measured(records.length, async () => {
    for (let at = 0; at < records.length; at += KINESIS_BATCH) {
      const batch = records
        .slice(at, at + KINESIS_BATCH)
        .map(({ kinesis }) => decodeMessage(kinesis.data));
      await Promise.all(
        writesOf(batch).map((input) => limit(() => client.send(new WriteRecordsCommand(input)))),
      );
    }
  });
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function timestreamLine(label: string, rate: Rate, messages: number, c: StoreCounters) {
  const per10k = (n: number) => (n * 10_000) / messages;
  const usd = (c.writeUnits / messages) * USD_PER_MILLION_WRITE_UNITS;
  return `${label}: ${fmt(rate.perSecond)} messages/s (${fmt(rate.cpuMicros)} µs CPU a message); ${fmt(per10k(c.writeRecords))} WriteRecords calls and ${fmt(per10k(c.records))} records per 10,000 messages (${fmt(c.records / c.writeRecords, 1)} records, ${fmt(c.measures / c.writeRecords)} measures a call); ${fmt(c.writeUnits / messages, 2)} write units (1 KiB) a message = $${fmt(usd, 2)} per million messages`;
}

const server = await startStoreServer({
  latencyMs: LATENCY_MS,
  concurrency: STORE_CONCURRENCY,
  region: REGION,
});
routeToLoopback(server.port, INFLUX_HOST);
Object.assign(process.env, {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: "AKIDBENCHBENCHBENCH0",
  AWS_SECRET_ACCESS_KEY: "bench-secret",
  POWERTOOLS_SERVICE_NAME: "bench-telemetry-ingest",
  POWERTOOLS_METRICS_NAMESPACE: "bench",
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: "WARN",
  DEAD_LETTER_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/123456789012/bench-dead-letters`,
});

try {
  const records = await streamRecords(MESSAGES);
  const sample = records.slice(0, Math.min(NAIVE_MESSAGES, records.length));
  console.log(
    `${fmt(records.length)} messages (heartbeat + system + vehicle) from ${DEVICES} devices, Kinesis batches of ${KINESIS_BATCH}; store server on loopback: ${LATENCY_MS} ms a request, ${STORE_CONCURRENCY} in service at once`,
  );

  const timestream = await coldHandler({
    TELEMETRY_STORE: "timestream",
    TIMESTREAM_DATABASE: "bench",
    TIMESTREAM_TABLE: "telemetry",
  });
  await drive(timestream, records.slice(0, KINESIS_BATCH)); // cold start: endpoint discovery
  const discovery = server.counters.describeEndpoints;
  server.reset();
  const ingestRate = await drive(timestream, records);
  const ingest = { ...server.counters };

  const naiveWrites = (batch: DecodedMessage[]) => batch.map(naiveWrite);
  await driveWriter(records.slice(0, KINESIS_BATCH), naiveWrites); // its client discovers too
  server.reset();
  const naiveRate = await driveWriter(sample, naiveWrites);
  const naive = { ...server.counters };

  server.reset();
  const perSectionRate = await driveWriter(records, perSectionWrites);
  const perSection = { ...server.counters };

  const influx = await coldHandler({
    TELEMETRY_STORE: "influxdb",
    INFLUXDB_URL: `https://${INFLUX_HOST}:8086`,
    INFLUXDB_ORG: "bench",
    INFLUXDB_BUCKET: "telemetry",
    INFLUXDB_TOKEN_SECRET_ARN: `arn:aws:secretsmanager:${REGION}:123456789012:secret:bench-influxdb`,
  });
  await drive(influx, records.slice(0, KINESIS_BATCH));
  server.reset();
  const influxRate = await drive(influx, records);
  const influxCounters = { ...server.counters };

  console.log(timestreamLine("Timestream, ingest handler", ingestRate, records.length, ingest));
  console.log(
    `  endpoint discovery: ${discovery} DescribeEndpoints at cold start, every write sent to ${server.cellEndpoint}; at most ${ingest.peakQueued} requests at the server at once`,
  );
  console.log(
    timestreamLine(
      `naive writer (${fmt(sample.length)} messages)`,
      naiveRate,
      sample.length,
      naive,
    ),
  );
  console.log(
    timestreamLine(
      "previous shape (a MULTI record per section, 100 a call)",
      perSectionRate,
      records.length,
      perSection,
    ),
  );
  console.log(
    `InfluxDB, ingest handler: ${fmt(influxRate.perSecond)} messages/s (${fmt(influxRate.cpuMicros)} µs CPU a message); ${fmt(influxCounters.influxWrites)} write requests for ${fmt(influxCounters.influxLines)} points (${fmt(influxCounters.influxLines / influxCounters.influxWrites)} points a request)`,
  );

  const speedup = ingestRate.perSecond / naiveRate.perSecond;
  const callsPer10k = (ingest.writeRecords * 10_000) / records.length;
  const fast = speedup >= TARGET_SPEEDUP;
  const atFloor = callsPer10k <= TARGET_CALLS_PER_10K;
  console.log(
    `Timestream handler vs naive writer, same server and run: ${fmt(speedup, 1)}x (target >= ${TARGET_SPEEDUP}x): ${fast ? "PASS" : "FAIL"}; write calls per 10,000 messages: ${fmt(callsPer10k)} (target ${TARGET_CALLS_PER_10K}): ${atFloor ? "PASS" : "FAIL"}`,
  );
  process.exitCode = fast && atFloor ? 0 : 1;
} finally {
  await server.close();
}
