import { once } from "node:events";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DeviceProcess, spawnDevice } from "../support/device-process.ts";
import { FUZZ_SEED, hostileInputs } from "../support/hostile-input.ts";
import { nextEvent } from "../support/next-event.ts";
import { startTestBroker, type TestBroker } from "../support/test-broker.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const THING = "sim-0001";

describe("the fleet-device process against a hostile app on its local bus", () => {
  let pki: TestPki;
  let dir: string;
  let broker: TestBroker;
  let device: DeviceProcess;

  beforeAll(async () => {
    pki = await createTestPki(THING);
  });
  afterEach(async () => {
    device.child.kill("SIGKILL");
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`stays up and keeps heartbeating after a line nested 5,000 deep and seeded hostile lines (seed ${FUZZ_SEED})`, async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-bus-attack-"));
    broker = await startTestBroker(pki);
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
    await chmod(dir, 0o700);
    const config = join(dir, "device.json");
    await writeFile(
      config,
      JSON.stringify({
        serial: THING,
        endpoint: { host: "127.0.0.1", port: broker.port },
        tls: { caFile: "ca.pem", certFile: "cert.pem", keyFile: "key.pem" },
        heartbeatIntervalSeconds: 0.2,
      }),
    );
    device = spawnDevice(["--config", config]);
    const listening = await device.waitForLog("bus.listening");

    // What an app does at every start: the device must neither crash nor crash-loop.
    const app = connect(listening.socketPath as string);
    await once(app, "connect");
    // A device that died shows in `exited` below, not as this socket's EPIPE.
    app.on("error", () => undefined);
    app.write(`{"topic":"led/state","payload":${"[".repeat(5_000)}${"]".repeat(5_000)}}\n`);
    const inputs = hostileInputs({
      valid: { topic: "led/state", payload: { on: true } },
      seed: FUZZ_SEED,
      count: 100,
    });
    for (const input of inputs) app.write(`${input.bytes.toString("latin1")}\n`);
    const outcome = await Promise.race([
      device
        .waitForLog("bus.invalid-message-dropped", (line) =>
          String(line.reason).includes("JSON nested deeper than 64 levels"),
        )
        .then(() => "dropped with a log"),
      device.exited.then((exit) => `exited ${JSON.stringify(exit)}: ${device.stderr()}`),
    ]);
    expect(outcome).toBe("dropped with a log");

    // Still working: a fresh heartbeat after the attack, and the process has not exited.
    const heartbeat = nextEvent(broker.events, "publish", (p) => p.topic === telemetryTopic(THING));
    await heartbeat;
    const exited = await Promise.race([
      device.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 300)),
    ]);
    expect(exited).toBe(false);
    expect(device.stderr()).toBe("");
    app.destroy();
  }, 30_000);
});
