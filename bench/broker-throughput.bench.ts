// Broker throughput: QoS 1 messages/s through the sandbox broker (mutual TLS, registry checks,
// IoT policy evaluation on publish, subscribe and receive) against plain aedes on the same
// mutual TLS without any checks, in the same run. Target: the policy layer costs < 25%.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:tls";
import { telemetryTopic } from "@fleet/core/contracts";
import { startSandbox } from "@fleet/sandbox";
import { Aedes } from "aedes";
import {
  type Credentials,
  connectClient,
  enrolDevice,
  enrolTelemetryConsumer,
  median,
} from "./support/sandbox-clients.ts";
import { untilQuiet } from "./support/until-quiet.ts";

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
  ];

  console.log(
    `${MESSAGES} QoS 1 messages of ${PAYLOAD.length} bytes per round, ${ROUNDS} rounds, publisher -> subscriber`,
  );
  await measure(targets[0] as Target, Math.min(2_000, MESSAGES)); // warm-up (JIT, TLS session)
  await measure(targets[1] as Target, Math.min(2_000, MESSAGES));
  const rates = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither side always runs on a warmer machine.
    const ordered = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of ordered) {
      await untilQuiet();
      rates.get(target.name)?.push(await measure(target, MESSAGES));
    }
  }
  const [baseline, sandboxRate] = targets.map((t) => median(rates.get(t.name) ?? []));
  const cost = 1 - (sandboxRate as number) / (baseline as number);
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
  process.exitCode = cost < MAX_POLICY_COST ? 0 : 1;
  await plain.close();
} finally {
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
}

async function startPlainAedes(): Promise<{ port: number; close(): Promise<void> }> {
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
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  return {
    port: (tls.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    },
  };
}

/** Messages/s from the first publish until the subscriber has received the last message. */
async function measure(target: Target, count: number): Promise<number> {
  const broker = { host: "127.0.0.1", port: target.port, ca: target.ca };
  const subscriber = await connectClient(broker, target.subscriber);
  await subscriber.subscribeAsync(target.filter, { qos: 1 });
  const publisher = await connectClient(broker, target.publisher);
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
