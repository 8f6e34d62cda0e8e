import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type BusClient,
  type LocalBus,
  MAX_BUS_LINE_BYTES,
  startLocalBus,
} from "../../../src/local-bus/index.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import { FUZZ_SEED, hostileInputs } from "../../support/hostile-input.ts";
import { connectTestClient, type TestSocketClient } from "../local-bus/socket-client.ts";

/** What a well-behaved app sends; each test ends by showing it still gets through. */
const VALID = { topic: "led/state", payload: { on: true, blinking: false, blinkHz: 1 } };

describe("the local bus against a hostile app", () => {
  let dir: string;
  let bus: (LocalBus & BusClient) | undefined;
  const clients: TestSocketClient[] = [];
  // What would end the device process: asserted empty, not left to the runner to notice.
  const uncaught: unknown[] = [];
  const recordUncaught = (error: unknown) => uncaught.push(error);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bus-attack-"));
    uncaught.length = 0;
    process.on("uncaughtException", recordUncaught);
  });
  afterEach(async () => {
    process.off("uncaughtException", recordUncaught);
    for (const client of clients.splice(0)) client.close();
    await bus?.close();
    bus = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function setUp() {
    const capture = createCaptureLogger();
    bus = await startLocalBus({ socketPath: join(dir, "bus.sock"), logger: capture.logger });
    const device = bus;
    const [attacker, app] = [
      await connectTestClient(device.socketPath, device),
      await connectTestClient(device.socketPath, device),
    ];
    clients.push(attacker, app);
    const deviceGot: unknown[] = [];
    device.on(VALID.topic, (payload) => deviceGot.push(payload));
    /** The attacker's next valid message reaches the other app and the device client. */
    const stillDelivers = async () => {
      const received = app.next(VALID.topic);
      attacker.send(VALID.topic, VALID.payload);
      expect(await received).toEqual(VALID.payload);
      await vi.waitFor(() => expect(deviceGot.at(-1)).toEqual(VALID.payload));
      expect(uncaught).toEqual([]);
    };
    const dropped = () =>
      capture
        .lines()
        .filter(
          (line) => line.msg === "bus.invalid-message-dropped" || line.msg === "bus.line-too-long",
        );
    return { attacker, app, stillDelivers, dropped };
  }

  it("drops a 10 KB line nested 5,000 deep with a log instead of ending the device process", async () => {
    const { attacker, app, stillDelivers, dropped } = await setUp();
    attacker.sendRaw(`{"topic":"led/state","payload":${"[".repeat(5_000)}${"]".repeat(5_000)}}\n`);
    await stillDelivers();
    expect(dropped().map((line) => line.reason)).toEqual([
      "not JSON: JSON nested deeper than 64 levels at line 1, column 95",
    ]);
    expect(app.received).toEqual([VALID]);
  });

  it("drops a complete line over the length limit and keeps the sender connected", async () => {
    const { attacker, stillDelivers, dropped } = await setUp();
    const long = JSON.stringify({ topic: "led/state", payload: "x".repeat(MAX_BUS_LINE_BYTES) });
    attacker.sendRaw(`${long}\n`);
    await stillDelivers();
    expect(dropped().map((line) => line.reason)).toEqual([
      `line of ${long.length} bytes, more than ${MAX_BUS_LINE_BYTES}`,
    ]);
  });

  it("drops a line that streams in past the length limit up to its newline, logging it once", async () => {
    const { attacker, app, stillDelivers, dropped } = await setUp();
    const chunk = "y".repeat(16 * 1024);
    for (let i = 0; i < 64; i += 1) attacker.sendRaw(chunk); // 1 MiB without a newline
    attacker.sendRaw(`${chunk}\n`);
    await stillDelivers();
    expect(dropped().map((line) => line.msg)).toEqual(["bus.line-too-long"]);
    expect(app.received).toEqual([VALID]);
  });

  it(`survives seeded random and adversarial lines (seed ${FUZZ_SEED}) and still delivers`, async () => {
    const { attacker, app, stillDelivers, dropped } = await setUp();
    const inputs = hostileInputs({ valid: VALID, seed: FUZZ_SEED, count: 300 });
    const text = inputs.map((input) => `${input.bytes.toString("latin1")}\n`).join("");
    for (const input of inputs) attacker.sendRaw(`${input.bytes.toString("latin1")}\n`);
    await stillDelivers();
    // Every line was either delivered or dropped with its log: none vanished with a throw.
    const lines = text.split("\n").filter((line) => line.trim() !== "").length;
    expect(app.received.length - 1 + dropped().length).toBe(lines);
    for (const message of app.received) expect(typeof message.topic).toBe("string");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 20_000);
});
