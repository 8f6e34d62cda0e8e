import { DeviceLogRecordSchema } from "../contracts/device-logs.ts";
import type { DeviceLogEvents } from "../ports/device-log-events.ts";

export interface DeviceLogQuery {
  thingName: string;
  /** Lines the device wrote at or after this time. */
  since: Date;
  /** Most lines to return: the newest ones. */
  limit: number;
}

/** One line as the operator reads it. `id` is stable, so a poller can skip lines it printed. */
export interface ReadDeviceLogLine {
  id: string;
  time: Date;
  message: string;
}

export type ReadDeviceLogs = (query: DeviceLogQuery) => Promise<ReadDeviceLogLine[]>;

/**
 * A device's shipped log lines, oldest first, the same on every target:
 * 1. Find the thing's stored events since `since` (a line is stored after it was written, so
 *    no line of the window is missed).
 * 2. Parse each as the rule's record; skip one that is not (a device may publish anything on
 *    its own topic) or that names another thing (the rule sets `thingName` from the topic).
 * 3. Flatten the lines, with `dropped` counts as a line of their own, keep those written since
 *    `since`, and return the newest `limit` in time order.
 */
export function createReadDeviceLogs(ports: { events: DeviceLogEvents }): ReadDeviceLogs {
  return async ({ thingName, since, limit }) => {
    const events = await ports.events.find({ thingName, since, limit });
    const lines: ReadDeviceLogLine[] = [];
    for (const event of events) {
      const record = parseRecord(event.text);
      if (record === undefined || record.thingName !== thingName) continue;
      record.lines.forEach((line, index) => {
        lines.push({
          id: `${event.id}/${index}`,
          time: new Date(line.timestamp),
          message: line.message,
        });
      });
      if (record.dropped > 0) {
        lines.push({
          id: `${event.id}/dropped`,
          time: event.storedAt,
          message: `(the device dropped ${record.dropped} lines: over its shipping limits)`,
        });
      }
    }
    return lines
      .filter((line) => line.time >= since)
      .sort((a, b) => a.time.getTime() - b.time.getTime())
      .slice(-limit);
  };
}

function parseRecord(text: string) {
  try {
    const parsed = DeviceLogRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
