import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";
import { assertStageName, FLEET_APP_NAME } from "./stage-resources.ts";

/**
 * Device logs on request (`fleet logs`): the operator sends the `logs` command, the device ships
 * its own log lines on `dt/{thing}/logs` until the window it was given ends, and the device-logs
 * topic rule stores each message (CloudWatch Logs on a stage, the sandbox's local store).
 */

/** The command that starts (or renews) a device's log shipping. */
export const LOGS_COMMAND = "logs";

/** The bounds every device applies; a request cannot lift them. */
export const DEVICE_LOG_LIMITS = {
  /** A longer line is cut, ending with `…[cut]`. */
  maxLineChars: 2_000,
  maxLinesPerMessage: 50,
  /**
   * A message's JSON stays under this many bytes, whatever the lines' characters (one line is
   * at most 12 KB: 2,000 UTF-16 units, each at most 6 bytes escaped). AWS IoT Core refuses a
   * PUBLISH payload over 128 KB (AWS IoT Core endpoints and quotas, "Message broker and
   * protocol limits"), and the rule stores each message as one CloudWatch Logs event, which
   * PutLogEvents takes up to 256 KB (CloudWatch Logs API reference, PutLogEvents).
   */
  maxMessageBytes: 100_000,
  /** The device publishes at most this many log messages a second. */
  maxMessagesPerSecond: 2,
  /** Lines waiting to be sent beyond this are dropped (oldest first) and counted. */
  maxQueuedLines: 500,
  /** Longest shipping window one request grants; renewing starts a new one. */
  maxWindowSeconds: 3_600,
  defaultWindowSeconds: 600,
} as const;

/** `logs` command params: ship for this many seconds from now (a renewal replaces the end). */
export const LogsCommandParamsSchema = z.strictObject({
  forSeconds: z.number().int().min(1).max(DEVICE_LOG_LIMITS.maxWindowSeconds),
});
export type LogsCommandParams = z.infer<typeof LogsCommandParamsSchema>;

/** The device's `accepted` result: when shipping stops unless renewed. */
export const LogsCommandResultSchema = z.object({ shippingUntil: z.iso.datetime() });

export function deviceLogsTopic(thingName: string): string {
  return `dt/${thingName}/logs`;
}
export const DEVICE_LOGS_TOPIC_FILTER = "dt/+/logs";

/** One log line as the device wrote it: epoch milliseconds and the (redacted) text. */
export const DeviceLogLineSchema = z.strictObject({
  timestamp: z.number().int().nonnegative(),
  message: z.string().max(DEVICE_LOG_LIMITS.maxLineChars),
});
export type DeviceLogLine = z.infer<typeof DeviceLogLineSchema>;

/** What the device publishes on `dt/{thing}/logs`. */
export const DeviceLogBatchSchema = z.strictObject({
  lines: z.array(DeviceLogLineSchema).min(1).max(DEVICE_LOG_LIMITS.maxLinesPerMessage),
  /** Lines the device dropped since its previous message (queue full, rate limit). */
  dropped: z.number().int().nonnegative(),
});
export type DeviceLogBatch = z.infer<typeof DeviceLogBatchSchema>;

/**
 * The device-logs topic rule (SQL version 2016-03-23). `topic(2)` is the thing the policy bound
 * the publisher to (`dt/${iot:Connection.Thing.ThingName}/logs`); it overrides a `thingName` in
 * the payload, so a stored event names who sent it, whatever the device wrote.
 */
export const DEVICE_LOGS_RULE_SQL = `SELECT *, topic(2) AS thingName FROM '${DEVICE_LOGS_TOPIC_FILTER}'`;

/** A stored event as the rule wrote it: the device's batch plus the thing from the topic. */
export const DeviceLogRecordSchema = DeviceLogBatchSchema.extend({ thingName: ThingNameSchema });
export type DeviceLogRecord = z.infer<typeof DeviceLogRecordSchema>;

/**
 * How a stage names its device-logs resources (the stacks create them, the CLI reads them).
 * Kept apart from `stageResourceNames`, whose callers list every name of the stage.
 */
export function stageDeviceLogNames(stage: string) {
  assertStageName(stage);
  return {
    /** The CloudWatch Logs group every device's shipped lines go to. */
    logGroupName: `/${FLEET_APP_NAME}/${stage}/device-logs`,
    /** IoT topic rule (rule names allow only letters, digits and `_`). */
    ruleName: `${FLEET_APP_NAME}_${stage.replaceAll("-", "_")}_device_logs`,
  } as const;
}

/** How long a stage keeps device log lines (CloudWatch Logs retention, days). */
export const DEVICE_LOG_RETENTION_DAYS = 14;
