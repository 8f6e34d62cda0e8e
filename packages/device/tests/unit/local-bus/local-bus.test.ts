import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBusError } from "../../../src/errors.ts";
import { type BusClient, type LocalBus, startLocalBus } from "../../../src/local-bus/index.ts";
import { connectTestClient, type TestSocketClient } from "./socket-client.ts";

const logger = pino({ level: "silent" });

describe("local bus", () => {
  let dir: string;
  let bus: (LocalBus & BusClient) | undefined;
  const clients: TestSocketClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bus-"));
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await bus?.close();
    bus = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<LocalBus & BusClient> {
    bus = await startLocalBus({ socketPath: join(dir, "bus.sock"), logger });
    return bus;
  }
  async function client(): Promise<TestSocketClient> {
    if (bus === undefined) throw new Error("start the bus first");
    const connected = await connectTestClient(join(dir, "bus.sock"), bus);
    clients.push(connected);
    return connected;
  }

  it("creates its socket readable and writable by the owner only", async () => {
    const { socketPath } = await start();
    const stat = statSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it("delivers an app's message to the other apps and the device client, not back to the sender", async () => {
    const device = await start();
    const [led, button] = [await client(), await client()];
    const deviceGot = new Promise((resolve) => device.on("button/pressed", resolve));
    const ledGot = led.next("button/pressed");

    button.send("button/pressed", { source: "test" });

    expect(await ledGot).toEqual({ source: "test" });
    expect(await deviceGot).toEqual({ source: "test" });
    // A later message proves the sender's own one never came back to it.
    led.send("led/state", { on: true });
    await button.next("led/state");
    expect(button.received.map((m) => m.topic)).toEqual(["led/state"]);
  });

  it("delivers the device client's message to every app but not to its own listeners", async () => {
    const device = await start();
    const [first, second] = [await client(), await client()];
    const own: unknown[] = [];
    device.on("led/set", (payload) => own.push(payload));

    device.publish("led/set", { on: false });

    expect(await first.next("led/set")).toEqual({ on: false });
    expect(await second.next("led/set")).toEqual({ on: false });
    expect(own).toEqual([]);
  });

  it("drops a line that is not a bus message and keeps serving its sender", async () => {
    const device = await start();
    const [sender, receiver] = [await client(), await client()];
    const deviceGot: unknown[] = [];
    device.on("led/state", (payload) => deviceGot.push(payload));

    sender.sendRaw('not json\n{"payload":1}\n{"topic":"led/state","payload":{"on":true}}\n');

    expect(await receiver.next("led/state")).toEqual({ on: true });
    expect(receiver.received).toHaveLength(1);
    expect(deviceGot).toEqual([{ on: true }]);
  });

  it("replaces a stale socket file left by a device process that died", async () => {
    const socketPath = join(dir, "bus.sock");
    // A process killed while listening leaves its socket file behind.
    const listenThenDie = `require("node:net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`;
    await new Promise<void>((resolve) =>
      execFile(process.execPath, ["-e", listenThenDie], () => resolve()),
    );
    expect(statSync(socketPath).isSocket()).toBe(true);

    const device = await start();
    const app = await client();
    device.publish("led/set", {});
    expect(await app.next("led/set")).toEqual({});
  });

  it("refuses to replace a file at its path that is not a socket", async () => {
    writeFileSync(join(dir, "bus.sock"), "keep me");
    await expect(start()).rejects.toThrow(LocalBusError);
    await expect(start()).rejects.toThrow(/is not a socket/);
  });
});
