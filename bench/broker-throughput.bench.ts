// Broker throughput: QoS 1 messages/s through the sandbox broker (mutual TLS, registry checks,
// IoT policy evaluation on publish, subscribe and receive, the topic rules and reserved-topic
// services) against plain aedes on the same mutual TLS without any checks, in the same run.
// Target: the policy layer costs < 25%. It then prints where a message's time goes (TLS,
// authorization, rules, services, and the telemetry pipeline off the broker's thread) from a
// round timed through the broker's diagnostics channel, so the next regression names itself.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:tls";
import { telemetryTopic } from "@fleet/core/contracts";
import { startSandbox } from "@fleet/sandbox";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import {
  type Credentials,
  connectClient,
  enrolDevice,
  enrolTelemetryConsumer,
  median,
} from "./support/sandbox-clients.ts";
import { untilQuiet } from "./support/until-quiet.ts";

/** The sandbox broker's layer timings (`packages/sandbox/src/iot-core/broker/layer-timing.ts`). */
const LAYER_TIMING_CHANNEL = "fleet:sandbox:broker-layer-timing";
interface LayerTiming {
  layer: string;
  name: string;
  ms: number;
}

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MAX_POLICY_COST = 0.25;
const PAYLOAD = Buffer.from(
  JSON.stringify({
    schemaVersion: 1,
    seq: 0,
    deviceTime: new Date().toISOString(),
    heartbeat: { uptimeSeconds: 1234, clientVersion: "0.1.0", reconnects: 0 },
    padding: "x".repeat(80),
  }),
);

interface Target {
  name: string;
  port: number;
  /** Plain TCP instead of mutual TLS: the TLS share of a message. */
  tcp?: true;
  ca: string;
  publisher: Credentials;
  subscriber: Credentials;
  topic: string;
  filter: string;
}

const stateDir = await mkdtemp(join(tmpdir(), "fleet-bench-"));
// A throughput run publishes far beyond AWS's 100/s per connection and reconnects each round:
// the quotas are lifted, but the per-PUBLISH token bucket still runs (Infinity never empties).
const sandbox = await startSandbox({
  stateDir,
  brokerQuotas: {
    publishesPerSecondPerConnection: Number.POSITIVE_INFINITY,
    connectsPerSecondPerClientId: Number.POSITIVE_INFINITY,
  },
});
try {
  const publisher = await enrolDevice(sandbox, "bench-device", stateDir);
  const subscriber = await enrolTelemetryConsumer(sandbox, "bench-consumer");
  const plain = await startPlainAedes();
  const common = {
    ca: sandbox.caCertPem,
    publisher,
    subscriber,
    topic: telemetryTopic(publisher.clientId),
    filter: "dt/+/telemetry",
  };
  const targets: Target[] = [
    { name: "plain aedes (mTLS, no checks)", port: plain.port, ...common },
    { name: "sandbox (mTLS + registry + IoT policies)", port: sandbox.mqtt.port, ...common },
    { name: "plain aedes (TCP, no TLS)", port: plain.tcpPort, tcp: true, ...common },
  ];

  console.log(
    `${MESSAGES} QoS 1 messages of ${PAYLOAD.length} bytes per round, ${ROUNDS} rounds, publisher -> subscriber`,
  );
  await measure(targets[0] as Target, Math.min(2_000, MESSAGES)); // warm-up (JIT, TLS session)
  await measure(targets[1] as Target, Math.min(2_000, MESSAGES));
  await measure(targets[2] as Target, Math.min(2_000, MESSAGES));
  const rates = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither side always runs on a warmer machine.
    const ordered = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of ordered) {
      await untilQuiet();
      rates.get(target.name)?.push(await measure(target, MESSAGES));
    }
  }
  const [baseline = Number.NaN, sandboxRate = Number.NaN, tcpRate = Number.NaN] = targets.map((t) =>
    median(rates.get(t.name) ?? []),
  );
  const cost = 1 - sandboxRate / baseline;
  for (const target of targets) {
    const all = rates.get(target.name) ?? [];
    console.log(
      `${target.name.padEnd(42)} median ${Math.round(median(all)).toLocaleString("en-US").padStart(8)} msg/s  (rounds: ${all.map((r) => Math.round(r)).join(", ")})`,
    );
  }
  const verdict = cost < MAX_POLICY_COST ? "PASS" : "FAIL";
  console.log(
    `policy layer cost: ${(cost * 100).toFixed(1)}% of plain throughput (target < ${MAX_POLICY_COST * 100}%): ${verdict}`,
  );
  await untilQuiet();
  const breakdown = await timedRound(targets[1] as Target, MESSAGES);
  printBreakdown({ baseline, sandboxRate, tcpRate }, breakdown);
  process.exitCode = cost < MAX_POLICY_COST ? 0 : 1;
  await plain.close();
} finally {
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
}

async function startPlainAedes(): Promise<{
  port: number;
  tcpPort: number;
  close(): Promise<void>;
}> {
  const server = await sandbox.ca.issueServerCertificate({
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    validity: { durationMs: 3_600_000 },
  });
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128 });
  const tls = createServer(
    {
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: sandbox.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    broker.handle,
  );
  const tcp = createTcpServer(broker.handle);
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  return {
    port: (tls.address() as AddressInfo).port,
    tcpPort: (tcp.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => tls.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** Messages/s from the first publish until the subscriber has received the last message. */
async function measure(target: Target, count: number): Promise<number> {
  const subscriber = await connectTo(target, target.subscriber);
  await subscriber.subscribeAsync(target.filter, { qos: 1 });
  const publisher = await connectTo(target, target.publisher);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    subscriber.on("message", () => {
      received += 1;
      if (received === count) resolve();
    });
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) publisher.publish(target.topic, PAYLOAD, { qos: 1 });
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  return count / seconds;
}

function connectTo(target: Target, credentials: Credentials): Promise<MqttClient> {
  const host = "127.0.0.1";
  if (target.tcp !== true)
    return connectClient({ host, port: target.port, ca: target.ca }, credentials);
  const { clientId } = credentials;
  const client = mqtt.connect({ host, port: target.port, clientId, reconnectPeriod: 0 });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", reject);
  });
}

interface Breakdown {
  rate: number;
  /** Milliseconds per layer/name over the round. */
  layers: Map<string, number>;
  /** CPU milliseconds of the broker's thread and of the whole process, until it settled. */
  brokerThreadMs: number;
  processMs: number;
}

/** One more sandbox round with the broker's layer timings on (they cost time themselves). */
async function timedRound(target: Target, count: number): Promise<Breakdown> {
  const layers = new Map<string, number>();
  const onTiming = (message: unknown) => {
    const { layer, name, ms } = message as LayerTiming;
    const key = `${layer}: ${name}`;
    layers.set(key, (layers.get(key) ?? 0) + ms);
  };
  subscribe(LAYER_TIMING_CHANNEL, onTiming);
  const thread = process.threadCpuUsage();
  const all = process.cpuUsage();
  const rate = await measure(target, count);
  unsubscribe(LAYER_TIMING_CHANNEL, onTiming);
  await untilQuiet();
  const threadUsed = process.threadCpuUsage(thread);
  const allUsed = process.cpuUsage(all);
  return {
    rate,
    layers,
    brokerThreadMs: (threadUsed.user + threadUsed.system) / 1000,
    processMs: (allUsed.user + allUsed.system) / 1000,
  };
}

/**
 * Microseconds per message: the bench's process is one thread running the broker and its
 * clients, so 1 / rate is what one message costs there; TLS is mutual TLS against plain TCP on
 * plain aedes; the sandbox's layers are timed in the broker's hooks; "other work" is what the
 * sandbox's thread spent beyond plain aedes and its layers (events, logging, timers: anything
 * that runs on the broker's thread between messages, as the telemetry pipeline did); what the
 * telemetry thread (and DuckDB's and libuv's threads) spent is the process's CPU beyond the
 * main thread's.
 */
function printBreakdown(
  rates: { baseline: number; sandboxRate: number; tcpRate: number },
  timed: Breakdown,
): void {
  const perMessage = (ms: number) => (ms * 1000) / MESSAGES;
  const row = (label: string, plain: string, sandbox: string) =>
    console.log(`  ${label.padEnd(48)} ${plain.padStart(10)} ${sandbox.padStart(10)}`);
  const us = (value: number) => value.toFixed(1);
  const plainTotal = 1e6 / rates.baseline;
  const sandboxTotal = 1e6 / rates.sandboxRate;
  const tls = plainTotal - 1e6 / rates.tcpRate;
  console.log("where a message's time goes (µs per message, medians of the rounds above):");
  row("", "plain", "sandbox");
  row("total on the broker's thread (1 / rate)", us(plainTotal), us(sandboxTotal));
  row("  TLS, both ends (mTLS vs plain TCP)", us(tls), us(tls));
  row("  aedes and the clients (plain TCP)", us(plainTotal - tls), us(plainTotal - tls));
  const timedTotal = 1e6 / timed.rate;
  let layersTotal = 0;
  for (const [key, ms] of [...timed.layers].sort(([a], [b]) => a.localeCompare(b))) {
    layersTotal += perMessage(ms);
    row(`  ${key}`, "-", us(perMessage(ms)));
  }
  row("  other work on the broker's thread", "-", us(sandboxTotal - plainTotal - layersTotal));
  const offThread = perMessage(timed.processMs - timed.brokerThreadMs);
  row("off the broker's thread (telemetry thread CPU)", "-", us(offThread));
  console.log(
    `  (layers from one more sandbox round with timings on: ${Math.round(timed.rate).toLocaleString("en-US")} msg/s, ${us(timedTotal)} µs/msg; broker thread CPU ${us(perMessage(timed.brokerThreadMs))} µs/msg)`,
  );
}
