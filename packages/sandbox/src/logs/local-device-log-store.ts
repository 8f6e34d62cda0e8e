import type { DeviceLogEventQuery, DeviceLogEvents, StoredDeviceLogEvent } from "@fleet/core";
import { DEVICE_LOGS_RULE_SQL } from "@fleet/core/contracts";
import { compileRuleSql, type RuleMessage, type TopicRule } from "../iot-core/topic-rule.ts";

/** Default bound of one device's stored events (their text), oldest evicted first. */
export const DEFAULT_LOG_BYTES_PER_DEVICE = 1024 * 1024;

interface DeviceEvents {
  /** Each event with the size of the rule output it holds. */
  events: { event: StoredDeviceLogEvent; bytes: number }[];
  bytes: number;
}

/**
 * The sandbox's stand-in for the stage's device-logs rule and its CloudWatch Logs group: the
 * same SQL (`DEVICE_LOGS_RULE_SQL`, so the thing comes from the topic), its output stored as
 * one event per message, in memory and bounded per device (`maxBytesPerDevice`, the oldest
 * events evicted first). Lost when the sandbox stops, where the stage keeps them for its log
 * group's retention.
 */
export class LocalDeviceLogStore implements TopicRule, DeviceLogEvents {
  readonly name = "device-logs";
  readonly topicFilter: string;
  readonly #statement = compileRuleSql(DEVICE_LOGS_RULE_SQL);
  readonly #byThing = new Map<string, DeviceEvents>();
  readonly #maxBytesPerDevice: number;
  readonly #now: () => Date;
  #sequence = 0;

  constructor(options: { maxBytesPerDevice?: number; now?: () => Date } = {}) {
    this.topicFilter = this.#statement.topicFilter;
    this.#maxBytesPerDevice = options.maxBytesPerDevice ?? DEFAULT_LOG_BYTES_PER_DEVICE;
    this.#now = options.now ?? (() => new Date());
  }

  handle(message: RuleMessage): void {
    const thingName = this.#statement.substitute("${topic(2)}", message);
    const output = this.#statement.select(message);
    const text = output.toString("utf8");
    let device = this.#byThing.get(thingName);
    if (device === undefined) {
      device = { events: [], bytes: 0 };
      this.#byThing.set(thingName, device);
    }
    this.#sequence += 1;
    const event = { id: String(this.#sequence), storedAt: this.#now(), text };
    device.events.push({ event, bytes: output.length });
    device.bytes += output.length;
    while (device.bytes > this.#maxBytesPerDevice && device.events.length > 0) {
      device.bytes -= device.events.shift()?.bytes ?? 0;
    }
  }

  async find({ thingName, since, limit }: DeviceLogEventQuery): Promise<StoredDeviceLogEvent[]> {
    const stored = this.#byThing.get(thingName)?.events ?? [];
    return stored
      .map(({ event }) => event)
      .filter((event) => event.storedAt >= since)
      .slice(-limit);
  }
}
