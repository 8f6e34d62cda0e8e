import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedCommandParams } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SettingsError } from "../../src/errors.ts";
import { openDeviceSettings, settingsFile } from "../../src/settings/device-settings.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";

describe("device settings", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "fleet-settings-"));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  function open(led: (params: LedCommandParams) => Promise<unknown> = async () => ({})) {
    const applied = { intervals: [] as number[], leds: [] as LedCommandParams[] };
    const settings = openDeviceSettings({
      stateDir,
      appliers: {
        telemetryIntervalMs: (ms) => {
          applied.intervals.push(ms);
        },
        led: async (params) => {
          applied.leds.push(params);
          return led(params);
        },
      },
      logger: createCaptureLogger().logger,
    });
    return { settings, applied };
  }

  it("merges a change into the persisted settings (0600) and applies only the change", async () => {
    const first = open();
    const settings = await first.settings;
    await settings.apply({ telemetryIntervalMs: 5_000, led: { on: true, blinkHz: 2 } });
    await settings.apply({ led: { blinking: true } });
    expect(settings.current()).toEqual({
      telemetryIntervalMs: 5_000,
      led: { on: true, blinkHz: 2, blinking: true },
    });
    expect(first.applied).toEqual({
      intervals: [5_000],
      leds: [{ on: true, blinkHz: 2 }, { blinking: true }],
    });
    expect((await stat(settingsFile(stateDir))).mode & 0o777).toBe(0o600);
  });

  it("applies the persisted settings again at the next start", async () => {
    await (await open().settings).apply({ telemetryIntervalMs: 5_000, led: { on: false } });
    const next = open();
    await (await next.settings).applyStored();
    expect(next.applied).toEqual({ intervals: [5_000], leds: [{ on: false }] });
  });

  it("rejects naming the LED when no LED app answers, keeping the setting for the next start", async () => {
    const { settings } = open(async () => {
      throw new Error("no LED app answered within 3000 ms");
    });
    const error = await (await settings).apply({ led: { on: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).message).toBe("led: no LED app answered within 3000 ms");
    expect(JSON.parse(await readFile(settingsFile(stateDir), "utf8"))).toEqual({
      led: { on: false },
    });
  });
});
