import { X509Certificate } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Telemetry, TelemetrySchema, telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type DeviceProcess, spawnDevice } from "../support/device-process.ts";
import { nextEvent } from "../support/next-event.ts";
import { startTestBroker, type TestBroker } from "../support/test-broker.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const THING = "sim-0001";

describe("fleet-device process", () => {
  let pki: TestPki;
  let dir: string;
  const brokers: TestBroker[] = [];
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    pki = await createTestPki(THING);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-it-"));
  });

  afterEach(async () => {
    for (const device of devices.splice(0)) device.child.kill("SIGKILL");
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes the PEM files and a config naming them by relative path, as `fleet sandbox` does. */
  async function writeConfig(port: number, extra: Record<string, unknown> = {}): Promise<string> {
    const base = dir;
    await writeFile(join(base, "ca.pem"), pki.caPem);
    await writeFile(join(base, "cert.pem"), pki.device.certPem);
    await writeFile(join(base, "key.pem"), pki.device.keyPem, { mode: 0o600 });
    const file = join(base, "device.json");
    const config = {
      serial: THING,
      endpoint: { host: "127.0.0.1", port },
      tls: { caFile: "ca.pem", certFile: "cert.pem", keyFile: "key.pem" },
      heartbeatIntervalSeconds: 0.2,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1_000 },
      ...extra,
    };
    await writeFile(file, JSON.stringify(config, null, 2));
    await chmod(base, 0o700);
    return file;
  }

  async function broker(options: Parameters<typeof startTestBroker>[1] = {}) {
    const started = await startTestBroker(pki, options);
    brokers.push(started);
    return started;
  }

  function device(args: string[]) {
    const started = spawnDevice(args);
    devices.push(started);
    return started;
  }

  it("connects, heartbeats, reconnects after a broker restart, exits 0 on SIGTERM", async () => {
    const first = await broker();
    const config = await writeConfig(first.port);
    const connected = nextEvent(first.events, "client");
    const heartbeat = nextEvent(first.events, "publish", (p) => p.topic === telemetryTopic(THING));

    const proc = device(["--config", config]);
    expect(await connected).toBe(THING);
    const published = await heartbeat;
    expect(published.clientId).toBe(THING);
    const message = TelemetrySchema.parse(JSON.parse(published.payload));
    expect(message.heartbeat?.reconnects).toBe(0);
    // The heartbeat reports the expiry of the certificate it connected with.
    const notAfter = new X509Certificate(pki.device.certPem).validTo;
    expect(message.heartbeat?.certificateNotAfter).toBe(Math.floor(Date.parse(notAfter) / 1000));

    // The broker goes away and comes back on the same port.
    await first.close();
    brokers.splice(brokers.indexOf(first), 1);
    await proc.waitForLog("connection.backoff");
    const second = await broker({ port: first.port });
    const reconnected = nextEvent(second.events, "client");
    // Readings taken during the outage replay first; then comes the one taken on reconnect.
    const afterReconnect = nextEvent(
      second.events,
      "publish",
      (p) => p.topic === telemetryTopic(THING) && p.payload.includes('"reconnects":1'),
    );
    expect(await reconnected).toBe(THING);
    const resumed = TelemetrySchema.parse(JSON.parse((await afterReconnect).payload));
    expect(resumed.heartbeat?.reconnects).toBe(1);
    expect(resumed.seq).toBeGreaterThan(message.seq);

    const disconnected = nextEvent(second.events, "clientDisconnect");
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(await disconnected).toEqual({ clientId: THING, clean: true });
    expect(proc.logs().at(-1)?.msg).toBe("device.stopped");
    expect(proc.stderr()).toBe("");
    const output = JSON.stringify(proc.logs());
    expect(output).not.toContain("PRIVATE KEY");
    expect(output).not.toContain("CERTIFICATE");
  });

  it("logs a refused connection with its reason and keeps retrying", async () => {
    const refusing = await broker({ refuse: true });
    const config = await writeConfig(refusing.port);
    const proc = device(["--config", config]);

    const refused = await proc.waitForLog("connection.refused");
    expect(refused).toMatchObject({
      thingName: THING,
      returnCode: 5,
      reason: "Connection refused: Not authorized",
    });
    await proc.waitForLog("connection.connecting", (line) => line.attempt === 2);

    proc.child.kill("SIGINT");
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it("exits 2 with a one-line reason when the config is invalid", async () => {
    const file = join(dir, "device.json");
    await writeFile(file, JSON.stringify({ serial: THING, endpoint: { host: "127.0.0.1" } }));
    const proc = device(["--config", file]);
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toMatch(
      new RegExp(`^fleet-device: invalid device config ${file}: tls: .+\\n$`),
    );
  });

  it("exits 2 when a TLS file named by the config cannot be read", async () => {
    const file = await writeConfig(8883);
    await rm(join(dir, "key.pem"));
    const proc = device(["--config", file]);
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toMatch(
      /^fleet-device: cannot read tls\.keyFile .*key\.pem: ENOENT.*\n$/,
    );
  });

  /** Every telemetry message the broker receives from the device, parsed. */
  function collectTelemetry(target: TestBroker, into: Telemetry[]) {
    target.events.on("publish", (p) => {
      if (p.topic === telemetryTopic(THING))
        into.push(TelemetrySchema.parse(JSON.parse(p.payload)));
    });
  }
  const until = (condition: () => boolean) =>
    vi.waitFor(() => expect(condition()).toBe(true), { timeout: 15_000, interval: 20 });

  it("sends the system, LED and vehicle sections with the heartbeat", async () => {
    const running = await broker();
    const config = await writeConfig(running.port, {
      telemetry: { sources: { system: {}, led: { blinking: true, blinkHz: 2 }, vehicle: {} } },
    });
    const received: Telemetry[] = [];
    collectTelemetry(running, received);
    device(["--config", config]);
    await until(() => received.length >= 2);
    const [message] = received;
    expect(message?.heartbeat?.buffer).toEqual({ queued: 0, droppedMessages: 0 });
    expect(message?.system?.memory.totalBytes).toBeGreaterThan(0);
    expect(message?.led).toEqual({ on: true, blinking: true, blinkHz: 2 });
    expect(message?.vehicle?.battery.soc).toBeGreaterThan(0);
  });

  it("replays the readings taken while the broker was down, in order, with no seq lost", async () => {
    const first = await broker();
    const config = await writeConfig(first.port);
    const received: Telemetry[] = [];
    collectTelemetry(first, received);
    const proc = device(["--config", config, "--log-level", "debug"]);
    await until(() => received.length >= 2);

    await first.close();
    brokers.splice(brokers.indexOf(first), 1);
    const lostAt = proc.logs().length;
    await until(
      () =>
        proc
          .logs()
          .slice(lostAt)
          .filter((line) => line.msg === "telemetry.buffered").length >= 5,
    );
    const second = await broker({ port: first.port });
    collectTelemetry(second, received);
    // A reading taken before the first connect may have been replayed already: look after the loss.
    const replayingAfterLoss = () =>
      proc
        .logs()
        .slice(lostAt)
        .find((line) => line.msg === "telemetry.replaying");
    await until(() => replayingAfterLoss() !== undefined);
    expect(replayingAfterLoss()?.queued).toBeGreaterThanOrEqual(5);
    await until(() => received.some((m) => m.heartbeat?.reconnects === 1));

    const seqs = received.map((m) => m.seq);
    // QoS 1 is at least once: a message whose PUBACK was lost with the broker may come twice.
    const distinct = [...new Set(seqs)];
    expect(distinct).toEqual(distinct.map((_, i) => i));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("continues the seq after a restart", async () => {
    const running = await broker();
    const config = await writeConfig(running.port);
    const received: Telemetry[] = [];
    collectTelemetry(running, received);
    const firstRun = device(["--config", config]);
    await until(() => received.length >= 3);
    firstRun.child.kill("SIGTERM");
    expect(await firstRun.exited).toEqual({ code: 0, signal: null });
    const lastBeforeRestart = Math.max(...received.map((m) => m.seq));

    const count = received.length;
    device(["--config", config]);
    await until(() => received.length > count);
    expect(received[count]?.seq).toBe(lastBeforeRestart + 1);
    expect(received[count]?.heartbeat?.uptimeSeconds).toBe(0);
  });
});
