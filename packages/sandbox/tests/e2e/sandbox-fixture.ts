import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IotPolicyDocument } from "@fleet/core/contracts";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import {
  type EnrolledDevice,
  SANDBOX_SCOPE,
  type Sandbox,
  type SandboxEventMap,
  type SandboxOptions,
  startSandbox,
} from "../../src/index.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";

/**
 * Polls `probe` until it returns a value, or fails naming what was awaited. The default wait is
 * generous (Node processes start on a 2-core machine): only a ceiling, never asserted.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`);
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `fleet-sandbox-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Credentials as an MQTT client presents them. */
export interface ClientCredentials {
  ca: string;
  cert: string;
  key: string;
}

export async function deviceCredentials(device: EnrolledDevice): Promise<ClientCredentials> {
  const [ca, cert, key] = await Promise.all(
    [device.caFile, device.certFile, device.keyFile].map((file) => readFile(file, "utf8")),
  );
  return { ca: ca as string, cert: cert as string, key: key as string };
}

/** A client certificate outside any thing, with its own policy (the operator or backend). */
export async function enrollPrincipal(
  sandbox: Sandbox,
  policyName: string,
  document: IotPolicyDocument,
): Promise<ClientCredentials & { certificateId: string }> {
  const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
  const issued = await sandbox.ca.issueCertificate(
    { publicKey: publicKeyPem },
    { commonName: policyName, validity: { durationMs: 3600_000 } },
  );
  await sandbox.registry.registerCertificate({
    certificatePem: issued.certificatePem,
    status: "ACTIVE",
  });
  if (sandbox.registry.findPolicy(policyName) === undefined) {
    await sandbox.registry.createPolicy(policyName, document);
  }
  await sandbox.registry.attachPolicy(policyName, issued.certificateId);
  return {
    ca: sandbox.caCertPem,
    cert: issued.certificatePem,
    key: privateKeyPem,
    certificateId: issued.certificateId,
  };
}

/** A backend that may do anything (like the AWS side publishing commands). */
export function enrollBackend(sandbox: Sandbox) {
  return enrollPrincipal(sandbox, "test-backend", {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "iot:*", Resource: "*" }],
  });
}

export function topicArn(kind: "topic" | "topicfilter" | "client", name: string): string {
  const { partition, region, accountId } = SANDBOX_SCOPE;
  return `arn:${partition}:iot:${region}:${accountId}:${kind}/${name}`;
}

/**
 * When each client id last sent a CONNECT, by sandbox: this module's clients, and the device
 * processes' connects the sandbox reports (see `watchConnects`).
 */
const lastConnects = new WeakMap<Sandbox, Map<string, number>>();

function connectTimes(sandbox: Sandbox): Map<string, number> {
  let times = lastConnects.get(sandbox);
  if (times === undefined) {
    times = new Map();
    lastConnects.set(sandbox, times);
  }
  return times;
}

/** Records the CONNECTs of every client of `sandbox`, so `connectClient` can keep its distance. */
export function watchConnects(sandbox: Sandbox): void {
  const times = connectTimes(sandbox);
  sandbox.events.on("event", (event) => {
    if (event.kind === "client-connected" || event.kind === "connect-refused") {
      times.set(event.clientId, Date.now());
    }
  });
}
/** Over AWS IoT's 1 CONNECT per second per client id (`AWS_BROKER_QUOTAS`), with a margin. */
const CONNECT_SPACING_MS = 1_100;

/**
 * MQTT 3.1.1 over TLS with a client certificate, no automatic reconnect. Like a well-behaved
 * client it waits until a second has passed since the previous CONNECT of the same client id,
 * which the sandbox (as AWS IoT Core) drops without a CONNACK.
 */
export async function connectClient(
  sandbox: Sandbox,
  credentials: ClientCredentials,
  clientId: string,
  options: IClientOptions = {},
): Promise<MqttClient> {
  const times = connectTimes(sandbox);
  const wait = (times.get(clientId) ?? Number.NEGATIVE_INFINITY) + CONNECT_SPACING_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  times.set(clientId, Date.now());
  return connectAsync({
    protocol: "mqtts",
    host: "127.0.0.1",
    port: sandbox.mqtt.port,
    ca: credentials.ca,
    cert: credentials.cert,
    key: credentials.key,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
}

/** The next sandbox event of `kind` matching `predicate`; register it before the action. */
export function nextEvent<K extends keyof SandboxEventMap>(
  sandbox: Sandbox,
  kind: K,
  predicate: (event: SandboxEventMap[K][0]) => boolean = () => true,
): Promise<SandboxEventMap[K][0]> {
  return new Promise((resolve) => {
    const listener = (...args: SandboxEventMap[K]) => {
      const [event] = args;
      if (!predicate(event)) return;
      sandbox.events.off(kind, listener as never);
      resolve(event);
    };
    sandbox.events.on(kind, listener as never);
  });
}

/** Resolves when the connection closes; call it before the action that closes it. */
export function whenClosed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once("close", () => resolve()));
}

/** The next message on `topic` (exact), as text. */
export function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const listener = (received: string, payload: Buffer) => {
      if (received !== topic) return;
      client.off("message", listener);
      resolve(payload.toString());
    };
    client.on("message", listener);
  });
}

/** Collects every message the client receives. */
export function recordMessages(client: MqttClient): { topic: string; payload: string }[] {
  const received: { topic: string; payload: string }[] = [];
  client.on("message", (topic, payload) => received.push({ topic, payload: payload.toString() }));
  return received;
}

export async function startTestSandbox(
  name: string,
  options: Omit<SandboxOptions, "stateDir"> = {},
) {
  const dir = await tempDir(name);
  const sandbox = await startSandbox({ ...options, stateDir: join(dir.path, "state") });
  watchConnects(sandbox);
  const clients: MqttClient[] = [];
  return {
    sandbox,
    dir: dir.path,
    /** Connects and remembers the client so `stop` ends it. */
    async connect(credentials: ClientCredentials, clientId: string, options?: IClientOptions) {
      const client = await connectClient(sandbox, credentials, clientId, options);
      clients.push(client);
      return client;
    },
    async enroll(serial: string) {
      const device = await sandbox.enrollDevice(serial, join(dir.path, "devices", serial));
      return { device, credentials: await deviceCredentials(device) };
    },
    async endClients() {
      await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
    },
    async stop() {
      await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
      await sandbox.close();
      await dir.remove();
    },
  };
}
