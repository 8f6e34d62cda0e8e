import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type {
  DeviceLogEventQuery,
  DeviceLogEvents,
  StoredDeviceLogEvent,
} from "../../ports/device-log-events.ts";
import { CLOUDWATCH_LOGS_SERVICE, mapAwsError } from "./aws-errors.ts";
import { nextTokenPages } from "./next-token-pages.ts";

/** Events one FilterLogEvents page returns at most (CloudWatch Logs API reference). */
const PAGE_LIMIT = 10_000;

/**
 * The stage's device-logs group, written by the device-logs topic rule (one event per MQTT
 * message; the rule's action names no log stream, so events of every device share the group's
 * streams). A thing's events are found with a JSON filter pattern on the `thingName` the rule
 * sets from the topic (CloudWatch Logs user guide, "Filter pattern syntax": `{ $.key = "value" }`).
 */
export class CloudWatchDeviceLogEvents implements DeviceLogEvents {
  readonly #logs: CloudWatchLogsClient;
  readonly #logGroupName: string;

  constructor(options: { logs: CloudWatchLogsClient; logGroupName: string }) {
    this.#logs = options.logs;
    this.#logGroupName = options.logGroupName;
  }

  /** Access denied and missing credentials become AwsAccessDeniedError / AwsCredentialsError. */
  async find(query: DeviceLogEventQuery): Promise<StoredDeviceLogEvent[]> {
    try {
      return await this.#find(query);
    } catch (error) {
      throw mapAwsError(CLOUDWATCH_LOGS_SERVICE, "FilterLogEvents", error);
    }
  }

  async #find({ thingName, since, limit }: DeviceLogEventQuery): Promise<StoredDeviceLogEvent[]> {
    const found: StoredDeviceLogEvent[] = [];
    // FilterLogEvents (CloudWatch Logs API reference) sorts by event timestamp and pages up to
    // 10,000 events or 1 MB, and a page may be empty while a token remains: read every page,
    // keeping the newest `limit`.
    for await (const page of nextTokenPages((nextToken) =>
      this.#logs.send(
        new FilterLogEventsCommand({
          logGroupName: this.#logGroupName,
          startTime: since.getTime(),
          filterPattern: `{ $.thingName = "${thingName}" }`,
          limit: Math.min(limit, PAGE_LIMIT),
          ...(nextToken && { nextToken }),
        }),
      ),
    )) {
      found.push(...(page.events ?? []).flatMap(storedEvent));
      if (found.length > limit) found.splice(0, found.length - limit);
    }
    return found;
  }
}

function storedEvent(event: FilteredLogEvent): StoredDeviceLogEvent[] {
  const { eventId, ingestionTime, timestamp, message } = event;
  if (eventId === undefined || message === undefined) return [];
  return [{ id: eventId, storedAt: new Date(ingestionTime ?? timestamp ?? 0), text: message }];
}
