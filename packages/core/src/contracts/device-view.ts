import * as z from "zod";

/** Lifecycle state of a device as operators see it. */
export const DeviceStateSchema = z.enum(["pending", "provisioned", "expired", "denied", "revoked"]);
export type DeviceState = z.infer<typeof DeviceStateSchema>;

/**
 * One row of `fleet devices --json` (the operator CLI contract scripts rely on), produced the
 * same way by the sandbox API and by a deployed stage.
 */
export const DeviceViewSchema = z.object({
  serial: z.string(),
  thingName: z.string().nullable(),
  state: DeviceStateSchema,
  connected: z.boolean(),
  certificateId: z.string().nullable(),
  /** ISO 8601 expiry of the device's active certificate. */
  notAfter: z.iso.datetime().nullable(),
  /**
   * Why the device is denied, revoked or expired, or what is odd about a provisioned one
   * (several usable certificates); null otherwise.
   */
  reason: z.string().nullable(),
  /** Each installed app's running version, as the device last reported it ({} before). */
  apps: z.record(z.string(), z.string()),
});
export type DeviceView = z.infer<typeof DeviceViewSchema>;
