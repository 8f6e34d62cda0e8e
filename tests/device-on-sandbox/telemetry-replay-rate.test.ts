import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { telemetryTopic } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The device's own outbox and message builder: the backlog is what a long outage leaves.
import { heartbeatSection } from "../../packages/device/src/telemetry/heartbeat.ts";
import { openOfflineBuffer } from "../../packages/device/src/telemetry/offline-buffer.ts";
import { buildTelemetryMessage } from "../../packages/device/src/telemetry/telemetry-message.ts";
import type { PublishThrottledEvent } from "../../packages/sandbox/src/index.ts";
import {
  enrollBackend,
  startTestSandbox,
  waitFor,
} from "../../packages/sandbox/tests/e2e/sandbox-fixture.ts";

const DEVICE_BIN = fileURLToPath(
  new URL("../../packages/device/src/bin/fleet-device.ts", import.meta.url),
);
const SERIAL = "SN-REPLAY-01";
const BACKLOG = 1_000;
/** AWS IoT Core's "Publish requests per second per connection". */
const AWS_PUBLISHES_PER_SECOND = 100;

describe("a device replaying a long outage's telemetry backlog", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let device: ChildProcess | undefined;
  afterAll(async () => {
    if (device !== undefined && device.exitCode === null) {
      const exited = new Promise((resolve) => device?.once("exit", resolve));
      device.kill("SIGTERM");
      await exited;
    }
    await env.stop();
  });
  beforeAll(async () => {
    // The sandbox enforces AWS's broker quotas by default (`AWS_BROKER_QUOTAS`).
    env = await startTestSandbox("replay-rate");
  });

  it("sends a 1,000-message backlog under AWS IoT's publish rate, without being throttled", async () => {
    const { device: enrolled } = await env.enroll(SERIAL);
    const stateDir = join(env.dir, "devices", SERIAL, "state");
    const buffer = openOfflineBuffer({ stateDir, maxMessages: 10_000 });
    const now = Date.now();
    for (let i = 0; i < BACKLOG; i++) {
      buffer.append((seq, status) => {
        const heartbeat = heartbeatSection({
          now,
          startedAt: now,
          clientVersion: "0.1.0",
          reconnects: 0,
          buffer: status,
        });
        return JSON.stringify(buildTelemetryMessage({ seq, now, sections: { heartbeat } }).message);
      });
    }
    buffer.close();

    // Arrival times seen on the broker's side of the device connection.
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-replay");
    await backend.subscribeAsync(telemetryTopic(enrolled.thingName), { qos: 1 });
    const arrivals: number[] = [];
    backend.on("message", () => arrivals.push(performance.now()));
    const throttled: PublishThrottledEvent[] = [];
    env.sandbox.events.on("publish-throttled", (event) => throttled.push(event));
    const disconnects: string[] = [];
    env.sandbox.events.on("client-disconnected", (event) => {
      if (event.clientId === enrolled.thingName) disconnects.push(event.disconnectReason);
    });

    const configPath = join(env.dir, "devices", SERIAL, "config.json");
    await writeFile(
      configPath,
      JSON.stringify({
        serial: SERIAL,
        endpoint: env.sandbox.mqtt,
        tls: { caFile: enrolled.caFile, certFile: enrolled.certFile, keyFile: enrolled.keyFile },
        stateDir,
        telemetry: { intervalSeconds: 3_600 },
      }),
    );
    device = spawn(process.execPath, [DEVICE_BIN, "--config", configPath, "--log-level", "warn"], {
      stdio: ["ignore", "ignore", "inherit"],
    });

    // The backlog plus the reading taken on connect.
    await waitFor("the whole backlog at the backend", async () =>
      arrivals.length > BACKLOG ? true : undefined,
    );
    const busiestSecond = Math.max(
      ...arrivals.map((at) => arrivals.filter((t) => t >= at && t < at + 1_000).length),
    );
    expect(throttled).toEqual([]);
    expect(disconnects).toEqual([]);
    expect(busiestSecond).toBeLessThanOrEqual(AWS_PUBLISHES_PER_SECOND);
  }, 60_000);
});
