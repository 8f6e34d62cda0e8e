import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TelemetrySchema, telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
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

  afterEach(async () => {
    for (const device of devices.splice(0)) device.child.kill("SIGKILL");
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes the PEM files and a config naming them by relative path, as `fleet sandbox` does. */
  async function writeConfig(port: number): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-it-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
    const file = join(dir, "device.json");
    const config = {
      serial: THING,
      endpoint: { host: "127.0.0.1", port },
      tls: { caFile: "ca.pem", certFile: "cert.pem", keyFile: "key.pem" },
      heartbeatIntervalSeconds: 0.2,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 1_000 },
    };
    await writeFile(file, JSON.stringify(config, null, 2));
    await chmod(dir, 0o700);
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

    // The broker goes away and comes back on the same port.
    await first.close();
    brokers.splice(brokers.indexOf(first), 1);
    await proc.waitForLog("connection.backoff");
    const second = await broker({ port: first.port });
    const reconnected = nextEvent(second.events, "client");
    const afterReconnect = nextEvent(
      second.events,
      "publish",
      (p) => p.topic === telemetryTopic(THING),
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
    dir = await mkdtemp(join(tmpdir(), "fleet-device-it-"));
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
});
