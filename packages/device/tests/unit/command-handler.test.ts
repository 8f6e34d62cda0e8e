import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandRequestFilter, commandTopics, type LedSection } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CommandRunner, createCommandHandler } from "../../src/commands/command-handler.ts";
import { openDeviceSettings, settingsFile } from "../../src/settings/device-settings.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { createTestConnection } from "../support/test-connection.ts";

const THING = "sim-0001";
const REQUEST_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const led = commandTopics(THING, "led");

describe("command handler", () => {
  let stateDir: string;
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "fleet-commands-"));
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A connected device whose LED app answers with `answer` (or is absent when it throws). */
  async function setUp(
    answer: (params: Partial<LedSection>) => Promise<LedSection>,
    commands?: Record<string, CommandRunner>,
  ) {
    const time = createFakeTime();
    const sessions = createFakeSessions({ onOpen: (session) => session.accept() });
    const { logger } = createCaptureLogger();
    const connection = createTestConnection({
      clientId: THING,
      openSession: sessions.open,
      logger,
      time,
    });
    const settings = await openDeviceSettings({
      stateDir,
      appliers: { telemetryIntervalMs: () => {}, led: answer },
      logger,
    });
    const sets: Partial<LedSection>[] = [];
    const handler = createCommandHandler({
      thingName: THING,
      connection,
      led: {
        set: (params) => {
          sets.push(params);
          return answer(params);
        },
      },
      settings,
      ...(commands && { commands }),
      logger,
    });
    connection.start();
    stops.push(async () => {
      handler.stop();
      await connection.stop();
    });
    await vi.waitFor(() =>
      expect(sessions.latest().subscribed).toEqual([commandRequestFilter(THING)]),
    );
    const send = (topic: string, request: unknown) => sessions.latest().deliver(topic, request);
    const replies = () =>
      sessions.latest().published.map((p) => ({ topic: p.topic, body: JSON.parse(p.payload) }));
    return { send, replies, sets };
  }

  const steadyOn = async (params: Partial<LedSection>): Promise<LedSection> => ({
    on: true,
    blinking: false,
    blinkHz: 1,
    ...params,
  });

  it("hands valid LED params to the LED app, accepts with its state and persists them", async () => {
    const { send, replies, sets } = await setUp(steadyOn);
    send(led.request, { requestId: REQUEST_ID, params: { blinking: true, blinkHz: 4 } });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    expect(sets).toEqual([{ blinking: true, blinkHz: 4 }]);
    expect(replies()).toEqual([
      {
        topic: led.accepted,
        body: { requestId: REQUEST_ID, result: { on: true, blinking: true, blinkHz: 4 } },
      },
    ]);
    expect(JSON.parse(await readFile(settingsFile(stateDir), "utf8"))).toEqual({
      led: { blinking: true, blinkHz: 4 },
    });
  });

  it("rejects invalid LED params with INVALID_PARAMS naming the field, without touching the LED", async () => {
    const { send, replies, sets } = await setUp(steadyOn);
    send(led.request, { requestId: REQUEST_ID, params: { blinkHz: 500 } });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    expect(replies()[0]?.topic).toBe(led.rejected);
    expect(replies()[0]?.body).toMatchObject({
      requestId: REQUEST_ID,
      errorCode: "INVALID_PARAMS",
    });
    expect(replies()[0]?.body.errorMessage).toMatch(/^blinkHz: /);
    expect(sets).toEqual([]);
  });

  it("rejects an unknown command with UNKNOWN_COMMAND on that command's reply topic", async () => {
    const { send, replies } = await setUp(steadyOn);
    const beep = commandTopics(THING, "beep");
    send(beep.request, { requestId: REQUEST_ID, params: {} });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    expect(replies()[0]).toEqual({
      topic: beep.rejected,
      body: {
        requestId: REQUEST_ID,
        errorCode: "UNKNOWN_COMMAND",
        errorMessage: 'unknown command "beep"; this device supports: led',
      },
    });
  });

  it("runs a further command by name, replying with its result or its refusal, and lists it", async () => {
    const { send, replies } = await setUp(steadyOn, {
      logs: async (params) =>
        (params as { forSeconds?: number }).forSeconds === 60
          ? { result: { shippingUntil: "2026-11-21T12:01:00.000Z" } }
          : { errorCode: "INVALID_PARAMS", errorMessage: "forSeconds: too big" },
    });
    const logs = commandTopics(THING, "logs");
    const beep = commandTopics(THING, "beep");
    send(logs.request, { requestId: REQUEST_ID, params: { forSeconds: 60 } });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    send(logs.request, { requestId: REQUEST_ID, params: { forSeconds: 9_999 } });
    await vi.waitFor(() => expect(replies()).toHaveLength(2));
    send(beep.request, { requestId: REQUEST_ID, params: {} });
    await vi.waitFor(() => expect(replies()).toHaveLength(3));
    expect(replies()).toEqual([
      {
        topic: logs.accepted,
        body: { requestId: REQUEST_ID, result: { shippingUntil: "2026-11-21T12:01:00.000Z" } },
      },
      {
        topic: logs.rejected,
        body: {
          requestId: REQUEST_ID,
          errorCode: "INVALID_PARAMS",
          errorMessage: "forSeconds: too big",
        },
      },
      {
        topic: beep.rejected,
        body: {
          requestId: REQUEST_ID,
          errorCode: "UNKNOWN_COMMAND",
          errorMessage: 'unknown command "beep"; this device supports: led, logs',
        },
      },
    ]);
  });

  it("rejects with APP_UNAVAILABLE when no LED app answers, and persists nothing", async () => {
    const { send, replies } = await setUp(async () => {
      throw new Error("no LED app answered within 3000 ms");
    });
    send(led.request, { requestId: REQUEST_ID, params: { on: false } });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    expect(replies()[0]).toEqual({
      topic: led.rejected,
      body: {
        requestId: REQUEST_ID,
        errorCode: "APP_UNAVAILABLE",
        errorMessage: "no LED app answered within 3000 ms",
      },
    });
    await expect(readFile(settingsFile(stateDir))).rejects.toThrow(/ENOENT/);
  });

  it("drops a request without a valid requestId: there is nothing to correlate a reply with", async () => {
    const { send, replies, sets } = await setUp(steadyOn);
    send(led.request, { params: { on: true } });
    send(led.request, { requestId: REQUEST_ID, params: { on: true } });
    await vi.waitFor(() => expect(replies()).toHaveLength(1));
    expect(sets).toEqual([{ on: true }]);
  });
});
