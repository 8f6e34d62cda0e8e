// Idle connections: memory per idle mutual TLS MQTT connection held by the sandbox broker
// against plain aedes on the same mutual TLS, in the same run. Each server runs in a fresh
// process of its own (so neither inherits the other's heap) and 10,000 clients in another
// (so their sockets do not count); each client connects, subscribes to one filter and stays
// silent. Per connection = (memory with every client connected - memory before) / clients,
// both after a full GC. Target: the sandbox's RSS per connection is within 1.5x of plain aedes:
// the TLS state both keep is most of a connection, so the registry checks, policies, session
// and quotas the sandbox keeps per connection must stay a fraction of it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createServer } from "node:tls";
import { fileURLToPath } from "node:url";
import { type IotPolicyDocument, iotResourceArn } from "@fleet/core/contracts";
import { SANDBOX_SCOPE, type Sandbox, startSandbox } from "@fleet/sandbox";
import { Aedes } from "aedes";
import { openIdleClients } from "./support/idle-mqtt-clients.ts";

const CLIENTS = Number(process.env.BENCH_IDLE_CLIENTS ?? 10_000);
const MAX_RATIO = 1.5;
/** Longest the whole bench may take before it fails rather than hangs. */
const DEADLINE_MS = 10 * 60_000;
const CLIENT_ID_PREFIX = "idle-";

/** What the server and client processes share: written by the main process. */
interface Credentials {
  stateDir: string;
  ca: string;
  key: string;
  cert: string;
  server: { certificatePem: string; privateKeyPem: string };
}

interface Memory {
  rss: number;
  heapUsed: number;
  /** Memory outside the V8 heap that V8 knows of (Buffers, OpenSSL's through Node). */
  external: number;
}

type ServerMessage =
  | { kind: "ready"; port: number; memory: Memory }
  | { kind: "memory"; memory: Memory };

const [role, ...args] = process.argv.slice(2);
if (role === "serve") await serve(args[0] as "plain" | "sandbox", args[1] as string);
else if (role === "clients") await holdClients(args[0] as string, Number(args[1]));
else await main();

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`idle-connections: not done within ${DEADLINE_MS / 60_000} minutes`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  const hardLimit = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout);
  if (hardLimit < CLIENTS + 1_000) {
    console.error(`idle-connections: open file limit ${hardLimit} is below ${CLIENTS + 1_000}`);
    process.exitCode = 1;
    return;
  }
  const stateDir = await mkdtemp(join(tmpdir(), "fleet-bench-idle-"));
  try {
    const credentialsFile = join(stateDir, "bench-credentials.json");
    await writeFile(credentialsFile, JSON.stringify(await prepareCredentials(stateDir)));
    console.log(
      `${CLIENTS.toLocaleString("en-US")} idle mutual TLS MQTT 3.1.1 clients per server (CONNECT, one SUBSCRIBE, keep-alive 1200 s)`,
    );
    const plain = await measureServer("plain", credentialsFile);
    const sandbox = await measureServer("sandbox", credentialsFile);
    report(plain, sandbox);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * A sandbox state with one certificate all clients share: it is attached to no thing, so the
 * sandbox lets it connect under any client id its policy allows (`idle-*`), as AWS IoT does;
 * the server certificate for plain aedes comes from the same CA.
 */
async function prepareCredentials(stateDir: string): Promise<Credentials> {
  const sandbox = await startSandbox({ stateDir });
  try {
    const { privateKey, publicKey } = await generateKeys();
    const issued = await sandbox.ca.issueCertificate(
      { publicKey },
      { commonName: "idle-fleet", validity: { durationMs: 3_600_000 } },
    );
    await sandbox.registry.registerCertificate({
      certificatePem: issued.certificatePem,
      status: "ACTIVE",
    });
    await sandbox.registry.createPolicy("idle-fleet", idlePolicy());
    await sandbox.registry.attachPolicy("idle-fleet", issued.certificateId);
    const server = await sandbox.ca.issueServerCertificate({
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      validity: { durationMs: 3_600_000 },
    });
    return {
      stateDir,
      ca: sandbox.caCertPem,
      key: privateKey,
      cert: issued.certificatePem,
      server,
    };
  } finally {
    await sandbox.close();
  }
}

async function generateKeys(): Promise<{ privateKey: string; publicKey: string }> {
  const { generateKeyPairSync } = await import("node:crypto");
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKey: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** What a device's idle connection does: connect as itself, subscribe to its own commands. */
function idlePolicy(): IotPolicyDocument {
  const arn = (kind: "client" | "topic" | "topicfilter", name: string) =>
    iotResourceArn(SANDBOX_SCOPE, kind, name);
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "iot:Connect", Resource: arn("client", `${CLIENT_ID_PREFIX}*`) },
      {
        Effect: "Allow",
        Action: "iot:Subscribe",
        Resource: arn("topicfilter", "cmd/${iot:ClientId}/#"),
      },
      { Effect: "Allow", Action: "iot:Receive", Resource: arn("topic", "cmd/${iot:ClientId}/*") },
    ],
  };
}

interface ServerFigures {
  name: string;
  before: Memory;
  after: Memory;
  connectSeconds: number;
}

/** Starts the server's process, connects the clients from another, and reads the server's memory. */
async function measureServer(
  target: "plain" | "sandbox",
  credentialsFile: string,
): Promise<ServerFigures> {
  const server = child(["serve", target, credentialsFile]);
  try {
    const ready = await nextMessage<ServerMessage>(server);
    if (ready.kind !== "ready") throw new Error(`${target} server did not start`);
    const started = performance.now();
    const clients = child(["clients", credentialsFile, String(ready.port)]);
    try {
      const connected = await nextMessage<{ count: number }>(clients);
      const connectSeconds = (performance.now() - started) / 1000;
      server.send("measure");
      const measured = await nextMessage<ServerMessage>(server);
      console.log(
        `${target}: ${connected.count.toLocaleString("en-US")} clients connected in ${connectSeconds.toFixed(1)} s`,
      );
      return {
        name: target === "plain" ? "plain aedes (mTLS)" : "sandbox (mTLS + registry + policies)",
        before: ready.memory,
        after: measured.memory,
        connectSeconds,
      };
    } finally {
      clients.kill();
    }
  } finally {
    server.send("stop");
    await once(server, "exit");
  }
}

/** The child's next IPC message; rejects if it exits first. */
async function nextMessage<T>(process_: ChildProcess): Promise<T> {
  const exited = once(process_, "exit").then(([code]) => {
    throw new Error(`${process_.spawnargs.slice(5, 6).join(" ")} process exited with ${code}`);
  });
  const [message] = (await Promise.race([once(process_, "message"), exited])) as [T];
  return message;
}

/** This file in a new process with `role`, GC exposed and the open file limit at its maximum. */
function child(roleArgs: string[]): ChildProcess {
  const self = fileURLToPath(import.meta.url);
  const process_ = spawn(
    "sh",
    [
      "-c",
      'ulimit -n "$(ulimit -Hn)"; exec "$@"',
      "sh",
      process.execPath,
      "--expose-gc",
      self,
      ...roleArgs,
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  return process_;
}

function report(plain: ServerFigures, sandbox: ServerFigures): void {
  const perConnection = (figures: ServerFigures, field: keyof Memory) =>
    (figures.after[field] - figures.before[field]) / CLIENTS / 1024;
  const kib = (value: number) => `${value.toFixed(1)} KiB`;
  const row = (label: string, a: string, b: string) =>
    console.log(`  ${label.padEnd(28)} ${a.padStart(14)} ${b.padStart(14)}`);
  console.log("memory per idle connection (server process, after a full GC):");
  row("", "plain aedes", "sandbox");
  for (const field of ["rss", "heapUsed", "external"] as const) {
    row(field, kib(perConnection(plain, field)), kib(perConnection(sandbox, field)));
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  row(
    "rss before -> after",
    `${mib(plain.before.rss)}->${mib(plain.after.rss)}`,
    `${mib(sandbox.before.rss)}->${mib(sandbox.after.rss)}`,
  );
  const ratio = perConnection(sandbox, "rss") / perConnection(plain, "rss");
  const verdict = ratio <= MAX_RATIO ? "PASS" : "FAIL";
  console.log(
    `sandbox RSS per connection: ${ratio.toFixed(2)}x plain aedes (target <= ${MAX_RATIO}x): ${verdict}`,
  );
  process.exitCode = ratio <= MAX_RATIO ? 0 : 1;
}

// ---- the server process ----------------------------------------------------------------------

async function serve(target: "plain" | "sandbox", credentialsFile: string): Promise<void> {
  const credentials = JSON.parse(await readFile(credentialsFile, "utf8")) as Credentials;
  const server =
    target === "plain" ? await startPlainAedes(credentials) : await startSandboxServer(credentials);
  const send = (message: ServerMessage) => process.send?.(message);
  send({ kind: "ready", port: server.port, memory: await settledMemory() });
  process.on("message", async (message) => {
    if (message === "measure") send({ kind: "memory", memory: await settledMemory() });
    else if (message === "stop") {
      await server.close();
      process.exit(0);
    }
  });
}

async function startSandboxServer(credentials: Credentials) {
  const sandbox: Sandbox = await startSandbox({ stateDir: credentials.stateDir });
  return { port: sandbox.mqtt.port, close: () => sandbox.close() };
}

async function startPlainAedes(credentials: Credentials) {
  const broker = await Aedes.createBroker();
  const tls = createServer(
    {
      key: credentials.server.privateKeyPem,
      cert: credentials.server.certificatePem,
      ca: credentials.ca,
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
      tls.close();
    },
  };
}

/** Memory once work in flight has settled and two full GCs ran. */
async function settledMemory(): Promise<Memory> {
  await sleep(2_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await sleep(200);
  gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

// ---- the clients' process --------------------------------------------------------------------

async function holdClients(credentialsFile: string, port: number): Promise<void> {
  const credentials = JSON.parse(await readFile(credentialsFile, "utf8")) as Credentials;
  const sockets = await openIdleClients({
    host: "127.0.0.1",
    port,
    ca: credentials.ca,
    key: credentials.key,
    cert: credentials.cert,
    count: CLIENTS,
    clientId: (index) => `${CLIENT_ID_PREFIX}${String(index).padStart(5, "0")}`,
    topicFilter: (index) => `cmd/${CLIENT_ID_PREFIX}${String(index).padStart(5, "0")}/#`,
  });
  process.send?.({ count: sockets.length });
  // Held until the main process kills this one.
  await new Promise(() => {});
}
