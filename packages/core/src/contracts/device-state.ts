import * as z from "zod";
import { AppNameSchema, AppVersionSchema, DeviceSettingsSchema } from "./job-document.ts";

/**
 * What a device reports in its classic shadow (`shadowTopics`, `state.reported`): the apps it
 * runs, the OS version it last installed and its settings. Operators read it through
 * `fleet devices` (on a stage, from the fleet index's shadow field).
 */
export const DeviceReportedStateSchema = z.object({
  /** Each installed app's running version. */
  apps: z.record(AppNameSchema, AppVersionSchema),
  /** The last OS update version the device applied, if any. */
  osVersion: AppVersionSchema.nullable().optional(),
  settings: DeviceSettingsSchema.optional(),
});
export type DeviceReportedState = z.infer<typeof DeviceReportedStateSchema>;

/** The `led` command (`commandTopics(thing, LED_COMMAND)`): params are the LED settings. */
export const LED_COMMAND = "led";
export const LedCommandParamsSchema = DeviceSettingsSchema.shape.led.unwrap();
export type LedCommandParams = z.infer<typeof LedCommandParamsSchema>;
