import * as z from "zod";

/**
 * Cloud-to-device commands (`commandTopics`): a request on `cmd/{thing}/{command}`, the
 * device's reply on `.../accepted` or `.../rejected`, correlated by `requestId`.
 *
 * Devices are upgraded after the cloud, so a device ignores request fields it does not know
 * yet; replies go to the cloud, which knows every field, so unknown reply fields are errors.
 */

export const CommandRequestSchema = z.object({
  requestId: z.uuid(),
  /** Command-specific arguments; each command validates its own. */
  params: z.record(z.string(), z.unknown()),
});
export type CommandRequest = z.infer<typeof CommandRequestSchema>;

export const CommandAcceptedSchema = z.strictObject({
  requestId: z.uuid(),
  result: z.record(z.string(), z.unknown()).optional(),
});
export type CommandAccepted = z.infer<typeof CommandAcceptedSchema>;

export const CommandRejectedSchema = z.strictObject({
  requestId: z.uuid(),
  /** Stable, machine-readable reason, e.g. `UNKNOWN_COMMAND`, `INVALID_PARAMS`. */
  errorCode: z.string().min(1),
  errorMessage: z.string(),
});
export type CommandRejected = z.infer<typeof CommandRejectedSchema>;
