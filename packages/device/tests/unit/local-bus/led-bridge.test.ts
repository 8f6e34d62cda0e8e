import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LedAppUnavailableError } from "../../../src/errors.ts";
import {
  type BusClient,
  createLedBridge,
  type LedBridge,
  type LocalBus,
  startLocalBus,
} from "../../../src/local-bus/index.ts";
import { createLedSource, type LedSource } from "../../../src/telemetry/sources/led.ts";
import { connectTestClient, type TestSocketClient } from "./socket-client.ts";

const logger = pino({ level: "silent" });

describe("LED bridge", () => {
  let dir: string;
  let bus: LocalBus & BusClient;
  let led: LedSource;
  let bridge: LedBridge;
  let app: TestSocketClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "led-bridge-"));
    bus = await startLocalBus({ socketPath: join(dir, "bus.sock"), logger });
    led = createLedSource({ on: false, blinking: false, blinkHz: 1 });
    bridge = createLedBridge({ bus, led, logger });
    app = await connectTestClient(bus.socketPath, bus);
  });
  afterEach(async () => {
    bridge.stop();
    app.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the settings to the LED app and resolves with its answer, which telemetry then reports", async () => {
    const request = app.next("led/set");
    const answer = bridge.set({ on: true, blinkHz: 4 });
    const sent = (await request) as { requestId: string; on: boolean; blinkHz: number };
    expect(sent).toMatchObject({ on: true, blinkHz: 4, requestId: expect.any(String) });

    // Another app's state change first: it must not answer this request.
    app.send("led/state", { on: true, blinking: false, blinkHz: 1, requestId: "other" });
    app.send("led/state", { on: true, blinking: true, blinkHz: 4, requestId: sent.requestId });

    await expect(answer).resolves.toEqual({ on: true, blinking: true, blinkHz: 4 });
    expect(await led.read(Date.now())).toEqual({ on: true, blinking: true, blinkHz: 4 });
  });

  it("reports a state the LED app announces on its own, such as after a button press", async () => {
    app.send("led/state", { on: true, blinking: true, blinkHz: 2 });
    await expect.poll(() => led.read(Date.now())).toEqual({ on: true, blinking: true, blinkHz: 2 });
  });

  it("ignores a state announcement that is not an LED state", async () => {
    app.send("led/state", { on: "yes", blinking: true, blinkHz: 9 });
    // Messages from one app arrive in order: once the barrier is in, the bad state was handled.
    const barrier = new Promise<void>((resolve) => {
      const stop = bus.on("test/barrier", () => {
        stop();
        resolve();
      });
    });
    app.send("test/barrier", null);
    await barrier;
    expect(await led.read(Date.now())).toEqual({ on: false, blinking: false, blinkHz: 1 });
  });

  it("rejects with LedAppUnavailableError when no LED app answers in time", async () => {
    const answer = bridge.set({ on: true }, 50);
    await expect(answer).rejects.toThrow(LedAppUnavailableError);
    await expect(answer).rejects.toThrow(/did not answer within 50 ms/);
    expect(await led.read(Date.now())).toEqual({ on: false, blinking: false, blinkHz: 1 });
  });
});
