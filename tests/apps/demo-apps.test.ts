import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LedSectionSchema } from "@fleet/core/contracts";
import { pino } from "pino";
import { extract } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BusClient,
  type LocalBus,
  startLocalBus,
} from "../../packages/device/src/local-bus/index.ts";
import { buildApp } from "../../scripts/build-app.ts";

const APPS = resolve(import.meta.dirname, "../../apps");
const logger = pino({ level: "silent" });

describe("demo apps on the local bus", () => {
  let dir: string;
  let bus: LocalBus & BusClient;
  const running: ChildProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "demo-apps-"));
    bus = await startLocalBus({ socketPath: join(dir, "bus.sock"), logger });
  });
  afterEach(async () => {
    for (const child of running.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
    }
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts an app as the device would: its own data dir, the bus socket, no GPIO chip. */
  function startApp(name: string, dataDir: string, appDir = join(APPS, name)): ChildProcess {
    const child = spawn(process.execPath, [join(appDir, "main.js")], {
      cwd: appDir,
      env: {
        PATH: process.env.PATH,
        FLEET_BUS_SOCKET: bus.socketPath,
        FLEET_APP_DATA_DIR: dataDir,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    running.push(child);
    return child;
  }

  function dataDirFor(name: string): string {
    const dataDir = join(dir, name);
    mkdirSync(dataDir, { recursive: true });
    return dataDir;
  }

  /** The next `led/state` the LED app announces that matches `accept`. */
  function nextLedState(accept: (state: Record<string, unknown>) => boolean) {
    return new Promise<Record<string, unknown>>((resolve) => {
      const stop = bus.on("led/state", (payload) => {
        const state = payload as Record<string, unknown>;
        if (!accept(state)) return;
        stop();
        resolve(state);
      });
    });
  }

  it("the LED app answers led/set with its new state, persists it and drives the simulated output", async () => {
    const ledData = dataDirFor("led");
    const announced = nextLedState(() => true);
    startApp("led", ledData);
    // It announces its state on connecting: the device learns it without asking.
    const initial = await announced;
    expect(LedSectionSchema.safeParse(initial).success).toBe(true);

    const answer = nextLedState((state) => state.requestId === "r1");
    bus.publish("led/set", { on: true, blinking: false, blinkHz: 5, requestId: "r1" });

    expect(await answer).toEqual({ on: true, blinking: false, blinkHz: 5, requestId: "r1" });
    expect(readFileSync(join(ledData, "led-level"), "utf8").trim()).toBe("1");
    expect(JSON.parse(readFileSync(join(ledData, "led.json"), "utf8"))).toEqual({
      on: true,
      blinking: false,
      blinkHz: 5,
    });

    const off = nextLedState((state) => state.requestId === "r2");
    bus.publish("led/set", { on: false, requestId: "r2" });
    expect(await off).toMatchObject({ on: false, blinkHz: 5 });
    expect(readFileSync(join(ledData, "led-level"), "utf8").trim()).toBe("0");
  });

  it("the LED app keeps its state across a restart", async () => {
    const ledData = dataDirFor("led");
    writeFileSync(
      join(ledData, "led.json"),
      JSON.stringify({ on: true, blinking: true, blinkHz: 3 }),
    );
    const announced = nextLedState(() => true);
    startApp("led", ledData);
    expect(await announced).toEqual({ on: true, blinking: true, blinkHz: 3 });
  });

  it("a button press (SIGUSR1, then the press file) toggles the LED app's blinking", async () => {
    const ledData = dataDirFor("led");
    const buttonData = dataDirFor("button");
    writeFileSync(
      join(ledData, "led.json"),
      JSON.stringify({ on: true, blinking: false, blinkHz: 2 }),
    );
    const ledUp = nextLedState(() => true);
    startApp("led", ledData);
    await ledUp;
    const button = startApp("button", buttonData);
    await waitForLog(button, "button.started");

    const blinking = nextLedState((state) => state.blinking === true);
    button.kill("SIGUSR1");
    expect(await blinking).toEqual({ on: true, blinking: true, blinkHz: 2 });

    const steady = nextLedState((state) => state.blinking === false);
    writeFileSync(join(buttonData, "press"), "");
    expect(await steady).toEqual({ on: true, blinking: false, blinkHz: 2 });
    // The press file is consumed: one touch, one press.
    expect(existsSync(join(buttonData, "press"))).toBe(false);
  });

  it("the built LED artifact runs unpacked on its own, with its bundled bus client", async () => {
    const { file } = await buildApp(join(APPS, "led"), join(dir, "dist"));
    const installed = join(dir, "installed");
    mkdirSync(installed);
    await extract({ file, cwd: installed });
    const announced = nextLedState(() => true);
    startApp("led", dataDirFor("led"), installed);
    expect(LedSectionSchema.safeParse(await announced).success).toBe(true);
  });

  it("the corrupt release's health check fails with a reason", async () => {
    const health = spawn(process.execPath, ["health.js"], {
      cwd: join(APPS, "corrupt"),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    health.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(health, "exit");
    expect(code).toBe(1);
    expect(stderr).toMatch(/self-test failed/);
  });
});

/** Resolves when the app writes a log line whose `msg` is `event`. */
function waitForLog(child: ChildProcess, event: string): Promise<void> {
  return new Promise((resolve) => {
    let buffered = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.includes(`"msg":"${event}"`)) resolve();
    });
  });
}
