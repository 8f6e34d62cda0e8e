import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type DeviceSettings,
  DeviceSettingsSchema,
  type LedCommandParams,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import { errorText } from "../error-text.ts";
import { SettingsError } from "../errors.ts";
import { writePrivateFile } from "../private-file.ts";

/** How each setting takes effect on the running device. */
export interface SettingsAppliers {
  /** Changes the telemetry interval of the running publisher. */
  telemetryIntervalMs(intervalMs: number): void | Promise<void>;
  /** Hands the LED settings to the LED app; rejects when no LED app answers. */
  led(params: LedCommandParams): Promise<unknown>;
}

export interface DeviceSettingsOptions {
  /** The device's state directory: settings are kept in `<stateDir>/settings.json` (0600). */
  stateDir: string;
  appliers: SettingsAppliers;
  logger: Logger;
  /** Called after the settings changed (persisted), e.g. to report them in the shadow. */
  onChange?: () => void;
}

export interface DeviceSettingsStore {
  /** The settings as persisted. */
  current(): DeviceSettings;
  /**
   * Merges `patch` into the settings (absent fields keep their value), persists them, then
   * applies the patch; rejects naming the setting that could not be applied (still persisted,
   * so it is applied again at the next start).
   */
  apply(patch: DeviceSettings): Promise<void>;
  /** Merges and persists a change that already took effect (e.g. the `led` command). */
  record(patch: DeviceSettings): Promise<void>;
  /** Applies the persisted settings (at start); a failure is logged, not thrown. */
  applyStored(): Promise<void>;
}

export function settingsFile(stateDir: string): string {
  return join(stateDir, "settings.json");
}

/** Opens the persisted settings; a missing or invalid file (logged) means no settings. */
export async function openDeviceSettings(
  options: DeviceSettingsOptions,
): Promise<DeviceSettingsStore> {
  const { appliers, logger } = options;
  const file = settingsFile(options.stateDir);
  let settings = await readSettings(file, logger);

  const merge = async (patch: DeviceSettings) => {
    settings = {
      ...settings,
      ...patch,
      ...((settings.led !== undefined || patch.led !== undefined) && {
        led: { ...settings.led, ...patch.led },
      }),
    };
    await writePrivateFile(file, `${JSON.stringify(settings)}\n`);
    options.onChange?.();
  };

  const applyPatch = async (patch: DeviceSettings) => {
    if (patch.telemetryIntervalMs !== undefined) {
      await appliers.telemetryIntervalMs(patch.telemetryIntervalMs);
      logger.info(
        { telemetryIntervalMs: patch.telemetryIntervalMs },
        "settings.telemetry-interval",
      );
    }
    if (patch.led !== undefined) {
      try {
        await appliers.led(patch.led);
      } catch (error) {
        throw new SettingsError(errorText(error), { setting: "led" }, { cause: error });
      }
      logger.info({ led: patch.led }, "settings.led");
    }
  };

  return {
    current: () => settings,
    async apply(patch) {
      await merge(patch);
      await applyPatch(patch);
    },
    record: merge,
    async applyStored() {
      await applyPatch(settings).catch((error: unknown) =>
        logger.warn({ reason: errorText(error) }, "settings.apply-failed"),
      );
    },
  };
}

async function readSettings(file: string, logger: Logger): Promise<DeviceSettings> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    return DeviceSettingsSchema.parse(JSON.parse(text));
  } catch (error) {
    logger.warn({ file, reason: errorText(error) }, "settings.invalid");
    return {};
  }
}
