import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";
import { type Telemetry, TelemetrySchema } from "./telemetry.ts";

/**
 * The IoT topic rule (SQL version 2016-03-23) that feeds the telemetry stream. The topic filter
 * is a single-quoted string literal, as AWS IoT SQL requires in FROM. It adds the thing from the
 * topic (the policy binds a device to its own `dt/{thing}/telemetry`, so this is who sent it)
 * and the broker's receive time in epoch milliseconds; both override payload keys of the same
 * name, so a device cannot claim another identity.
 */
export const TELEMETRY_RULE_SQL =
  "SELECT *, topic(2) AS thing, timestamp() AS receivedAt FROM 'dt/+/telemetry'";
export const TELEMETRY_RULE_SQL_VERSION = "2016-03-23";

/** What the rule adds to the device's message; split off before the message is validated. */
const RuleFieldsSchema = z.looseObject({
  thing: ThingNameSchema,
  /** `timestamp()`: epoch milliseconds when IoT Core received the message. */
  receivedAt: z.number().int().nonnegative(),
});

export interface TelemetryRecord {
  thing: string;
  /** Epoch milliseconds, from the rule's `timestamp()`. */
  receivedAt: number;
  message: Telemetry;
}

/**
 * A Kinesis record's data as the telemetry rule writes it: the device message plus `thing` and
 * `receivedAt`. The message part is checked by the strict `TelemetrySchema`, with issue paths
 * as in the message (`heartbeat.reconnects`), so dead letters read like the device's payload.
 */
export const TelemetryRecordSchema: z.ZodType<TelemetryRecord> = RuleFieldsSchema.transform(
  ({ thing, receivedAt, ...rest }, context): TelemetryRecord => {
    const parsed = TelemetrySchema.safeParse(rest);
    if (parsed.success) return { thing, receivedAt, message: parsed.data };
    for (const issue of parsed.error.issues) {
      context.addIssue({ ...issue, input: undefined } as z.core.$ZodRawIssue);
    }
    return z.NEVER;
  },
);
