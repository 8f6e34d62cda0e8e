import { describe, expect, it, vi } from "vitest";
import { createLogTap, type LogTap } from "../../../src/logs/log-tap.ts";
import { createLogsCommand } from "../../../src/logs/logs-command.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import { createFakeTime } from "../../support/fake-time.ts";

/** How many times the shipper module was loaded (vi.mock's factory runs on its first import). */
const shipperLoads = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../../src/logs/log-shipper.ts", async (importOriginal) => {
  shipperLoads.count += 1;
  return importOriginal();
});

function logsCommand(tap: LogTap | undefined) {
  const time = createFakeTime();
  const run = createLogsCommand({
    thingName: "sim-0001",
    connection: { publish: async () => {} },
    tap,
    clock: time.clock,
    timers: time.timers,
    logger: createCaptureLogger().logger,
  });
  return { run, time };
}

describe("logs command", () => {
  // First in this file: the module registry keeps a module an earlier test loaded.
  it("loads the shipper on the first request only: a device nobody asks never loads it", async () => {
    const { run } = logsCommand(createLogTap());
    expect(shipperLoads.count).toBe(0);
    await run({ forSeconds: 60 });
    await run({ forSeconds: 60 });
    expect(shipperLoads.count).toBe(1);
  });

  it("starts shipping and answers when it stops", async () => {
    const { run, time } = logsCommand(createLogTap());
    expect(await run({ forSeconds: 600 })).toEqual({
      result: { shippingUntil: new Date(time.clock.now() + 600_000).toISOString() },
    });
  });

  it.each([
    [{ forSeconds: 0 }],
    [{ forSeconds: 3_601 }],
    [{ forSeconds: 1.5 }],
    [{}],
    [{ forSeconds: 60, extra: 1 }],
  ])("rejects params outside the limits: %j", async (params) => {
    expect(await logsCommand(createLogTap()).run(params)).toMatchObject({
      errorCode: "INVALID_PARAMS",
    });
  });

  it("is refused by a device whose logger has no tap", async () => {
    const { run } = logsCommand(undefined);
    expect(await run({ forSeconds: 60 })).toMatchObject({ errorCode: "LOGS_UNAVAILABLE" });
  });
});
