import { describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../../src/logger.ts";
import { createLogTap } from "../../../src/logs/log-tap.ts";

describe("device logger with a log tap", () => {
  it("hands the tap each line it writes to stdout, as written, only while someone listens", () => {
    const tap = createLogTap();
    const logger = createDeviceLogger({ tap, level: "error" });
    const heard: string[] = [];
    logger.error("before");
    tap.listen((line) => heard.push(line));
    logger.error({ thingName: "sim-0001" }, "during");
    logger.info("below the level: neither written nor heard");
    tap.listen(undefined);
    logger.error("after");

    expect(heard).toHaveLength(1);
    expect(heard[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(heard[0] ?? "")).toMatchObject({ thingName: "sim-0001", msg: "during" });
  });
});
