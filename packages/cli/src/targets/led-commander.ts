import type { LedCommandParams } from "@fleet/core/contracts";

/**
 * - `accepted`: the device applied the command; `state` is the LED state it replied with;
 * - `rejected`: the device refused it, with its reason;
 * - `published`: sent to a stage's broker; the device's reply is not awaited (its LED state
 *   shows in its telemetry).
 */
export type LedOutcome =
  | { kind: "accepted"; requestId: string; state: Record<string, unknown> }
  | { kind: "rejected"; requestId: string; errorCode: string; errorMessage: string }
  | { kind: "published"; requestId: string; topic: string };

/** Sends the `led` command to one device (params already validated). */
export interface LedCommander {
  sendLed(thingName: string, params: LedCommandParams): Promise<LedOutcome>;
}
