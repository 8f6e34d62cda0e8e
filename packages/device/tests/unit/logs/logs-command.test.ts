import { describe, expect, it } from "vitest";
import { createLogTap, type LogTap } from "../../../src/logs/log-tap.ts";
import { createLogsCommand } from "../../../src/logs/logs-command.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import { createFakeTime } from "../../support/fake-time.ts";

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
