// Telemetry ingest, three figures in one run on this machine:
// (1) transform throughput of the ingest use case (decode, validate, flatten, MULTI points,
//     writes of 100 points) in messages/s, against a naive baseline in the same run: one
//     single-measure record per value and one write call per message;
// (2) store write calls per 10,000 messages (floor: 100, one record per message, 100 a call);
// (3) sandbox end to end: publish -> queryable latency p50/p99 with 100 simulated devices at
//     1 message/s each, beside the broker's own publish -> subscriber latency in the same run.
// Messages are realistic: heartbeat + system + vehicle sections from the device's own sources.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createIngestTelemetry,
  flattenMeasures,
  type IngestRecord,
  type TelemetryPoint,
  type TelemetryStore,
} from "@fleet/core";
import { type Telemetry, TelemetryRecordSchema, telemetryTopic } from "@fleet/core/contracts";
import { buildTelemetryMessage, createSystemSource, createVehicleSource } from "@fleet/device";
import { startSandbox } from "@fleet/sandbox";
import type { MqttClient } from "mqtt";
import {
  connectClient,
  enrolDevice,
  enrolTelemetryConsumer,
  percentile,
} from "./support/sandbox-clients.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 30);
const TRACKED_DEVICES = 5;
const KINESIS_BATCH = 500;
const FLOOR_CALLS_PER_10K = 100;

/** A device's readings over time, as its sources produce them. */
async function deviceReadings(
  serial: string,
  count: number,
  startedAt: number,
): Promise<Telemetry[]> {
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

/** Stream records as the rule writes them: the message plus `thing` and `receivedAt`. */
async function streamRecords(): Promise<IngestRecord[]> {
  const perDevice = Math.ceil(MESSAGES / DEVICES);
  const records: IngestRecord[] = [];
  const encoder = new TextEncoder();
  for (let d = 0; d < DEVICES && records.length < MESSAGES; d++) {
    const thing = `bench-${String(d).padStart(4, "0")}`;
    for (const message of await deviceReadings(thing, perDevice, Date.now() - perDevice * 1000)) {
      if (records.length === MESSAGES) break;
      const data = encoder.encode(JSON.stringify({ ...message, thing, receivedAt: Date.now() }));
      records.push({ id: String(records.length), partitionKey: thing, data });
    }
  }
  return records;
}

function countingStore(maxPointsPerWrite: number) {
  const counts = { calls: 0, points: 0 };
  const store: TelemetryStore = {
    maxPointsPerWrite,
    async write(points: readonly TelemetryPoint[]) {
      counts.calls += 1;
      counts.points += points.length;
      return { rejected: [] };
    },
  };
  return { store, counts };
}

async function measureIngest(records: readonly IngestRecord[]) {
  const { store, counts } = countingStore(100);
  const ingest = createIngestTelemetry({
    store,
    deadLetters: { put: async () => {} },
  });
  const started = performance.now();
  let written = 0;
  for (let at = 0; at < records.length; at += KINESIS_BATCH) {
    written += (await ingest(records.slice(at, at + KINESIS_BATCH))).written;
  }
  const seconds = (performance.now() - started) / 1000;
  if (written !== records.length) throw new Error(`ingest wrote ${written} of ${records.length}`);
  return { perSecond: records.length / seconds, calls: counts.calls, records: counts.points };
}

/** The naive shape: validate, flatten, then one single-measure record per value, one call per message. */
async function measureNaive(records: readonly IngestRecord[]) {
  const { store, counts } = countingStore(Number.POSITIVE_INFINITY);
  const decoder = new TextDecoder();
  const started = performance.now();
  for (const record of records) {
    const parsed = TelemetryRecordSchema.parse(JSON.parse(decoder.decode(record.data)));
    const { schemaVersion: _version, seq, deviceTime, ...sections } = parsed.message;
    const singles: TelemetryPoint[] = [];
    for (const [section, body] of Object.entries(sections)) {
      for (const [name, value] of Object.entries(flattenMeasures(body as object))) {
        singles.push({
          thing: parsed.thing,
          section,
          time: new Date(deviceTime),
          receivedAt: new Date(parsed.receivedAt),
          seq,
          measures: { [name]: value },
        });
      }
    }
    await store.write(singles);
  }
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: records.length / seconds, calls: counts.calls, records: counts.points };
}

async function measureEndToEnd() {
  const stateDir = await mkdtemp(join(tmpdir(), "fleet-bench-telemetry-"));
  const sandbox = await startSandbox({ stateDir });
  const clients: MqttClient[] = [];
  const intervals: NodeJS.Timeout[] = [];
  let timers: NodeJS.Timeout[] = [];
  try {
    const broker = { host: sandbox.mqtt.host, port: sandbox.mqtt.port, ca: sandbox.caCertPem };
    const consumer = await connectClient(
      broker,
      await enrolTelemetryConsumer(sandbox, "bench-consumer"),
    );
    clients.push(consumer);
    const published = new Map<string, number>(); // `${thing}/${seq}` -> publish time
    const brokerLatency: number[] = [];
    consumer.on("message", (_topic, payload) => {
      const { seq } = JSON.parse(payload.toString()) as { seq: number };
      const thing = _topic.split("/")[1];
      const at = published.get(`${thing}/${seq}`);
      if (at !== undefined) brokerLatency.push(performance.now() - at);
    });
    await consumer.subscribeAsync("dt/+/telemetry", { qos: 1 });

    const devices: { thing: string; client: MqttClient; messages: Telemetry[] }[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const credentials = await enrolDevice(sandbox, `e2e-${String(d).padStart(4, "0")}`, stateDir);
      const client = await connectClient(broker, credentials);
      clients.push(client);
      devices.push({
        thing: credentials.clientId,
        client,
        messages: await deviceReadings(credentials.clientId, E2E_SECONDS, Date.now()),
      });
    }

    // Every device publishes once a second, the fleet spread evenly across each second.
    const queryable: number[] = [];
    const tracked = devices.slice(0, TRACKED_DEVICES);
    const lastSeq = new Map(tracked.map((d) => [d.thing, -1]));
    const started = performance.now();
    timers = devices.map((device, index) =>
      setTimeout(
        () => {
          let seq = 0;
          const publish = () => {
            const message = device.messages[seq];
            if (message === undefined) return;
            published.set(`${device.thing}/${seq}`, performance.now());
            device.client.publish(telemetryTopic(device.thing), JSON.stringify(message), {
              qos: 1,
            });
            seq += 1;
          };
          publish();
          intervals.push(setInterval(publish, 1000));
        },
        (index * 1000) / DEVICES,
      ),
    );

    // Watch a few devices' newest sample until every message they sent is queryable.
    while (performance.now() - started < (E2E_SECONDS + 10) * 1000) {
      for (const device of tracked) {
        const samples = await sandbox.queryTelemetry({
          thing: device.thing,
          since: new Date(Date.now() - 60_000),
          measure: "heartbeat.uptimeSeconds",
          limit: 5,
        });
        const now = performance.now();
        const newest = Math.max(-1, ...samples.map((s) => s.seq));
        for (let seq = (lastSeq.get(device.thing) ?? -1) + 1; seq <= newest; seq++) {
          const at = published.get(`${device.thing}/${seq}`);
          if (at !== undefined) queryable.push(now - at);
        }
        lastSeq.set(device.thing, Math.max(lastSeq.get(device.thing) ?? -1, newest));
      }
      if (tracked.every((d) => (lastSeq.get(d.thing) ?? -1) >= E2E_SECONDS - 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { queryable, brokerLatency, published: published.size };
  } finally {
    for (const timer of [...timers, ...intervals]) clearTimeout(timer);
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

const records = await streamRecords();
const sections = records.length > 0 ? 3 : 0;
console.log(
  `${records.length.toLocaleString("en-US")} messages (heartbeat + system + vehicle) from ${DEVICES} devices, Kinesis batches of ${KINESIS_BATCH}`,
);
await measureIngest(records.slice(0, 2_000)); // warm-up
await measureNaive(records.slice(0, 2_000));
const ingest = await measureIngest(records);
const naive = await measureNaive(records);
const per10k = (calls: number) => Math.round((calls * 10_000) / records.length);
console.log(
  `ingest use case: ${Math.round(ingest.perSecond).toLocaleString("en-US")} messages/s, ${ingest.records.toLocaleString("en-US")} MULTI records, ${per10k(ingest.calls)} write calls per 10,000 messages`,
);
console.log(
  `naive baseline:  ${Math.round(naive.perSecond).toLocaleString("en-US")} messages/s, ${naive.records.toLocaleString("en-US")} single-measure records, ${per10k(naive.calls)} write calls per 10,000 messages`,
);
console.log(
  `write calls per 10,000 messages: ${per10k(ingest.calls)} (floor ${FLOOR_CALLS_PER_10K} for one record per message; one MULTI record per section gives ${sections * FLOOR_CALLS_PER_10K} here)`,
);

const e2e = await measureEndToEnd();
console.log(
  `sandbox end to end, ${DEVICES} devices at 1 message/s for ${E2E_SECONDS} s (${e2e.published} messages; ${e2e.queryable.length} tracked on ${TRACKED_DEVICES} devices):`,
);
console.log(
  `  publish -> queryable: p50 ${percentile(e2e.queryable, 50).toFixed(0)} ms, p99 ${percentile(e2e.queryable, 99).toFixed(0)} ms`,
);
console.log(
  `  publish -> subscriber (broker only, baseline): p50 ${percentile(e2e.brokerLatency, 50).toFixed(1)} ms, p99 ${percentile(e2e.brokerLatency, 99).toFixed(1)} ms`,
);

const fasterThanNaive = ingest.perSecond > naive.perSecond;
const atFloor = per10k(ingest.calls) <= sections * FLOOR_CALLS_PER_10K;
const complete = e2e.queryable.length >= TRACKED_DEVICES * E2E_SECONDS;
console.log(
  `ingest faster than naive: ${fasterThanNaive ? "PASS" : "FAIL"}; write calls at the floor for ${sections} records a message: ${atFloor ? "PASS" : "FAIL"}; every tracked message queryable: ${complete ? "PASS" : "FAIL"}`,
);
process.exitCode = fasterThanNaive && atFloor && complete ? 0 : 1;
