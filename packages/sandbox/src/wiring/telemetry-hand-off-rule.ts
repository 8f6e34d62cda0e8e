import type { RuleMessage, TopicRule } from "../iot-core/topic-rule.ts";
import { packRuleMessages, type TelemetryThreadRequest } from "./telemetry-thread-protocol.ts";

/**
 * Messages are handed over at most this often: a PutRecords call and a thread message per
 * batch, not per broker tick, cost the telemetry thread far less per message; 10 ms is nothing
 * next to the poller's interval.
 */
const HAND_OFF_INTERVAL_MS = 10;

/** The telemetry rule as the broker sees it: messages are queued and posted in batches. */
export class HandOffRule implements TopicRule {
  readonly name: string;
  readonly topicFilter: string;
  readonly #send: (request: TelemetryThreadRequest, transfer: ArrayBuffer[]) => void;
  #queue: RuleMessage[] = [];

  constructor(
    rule: { name: string; topicFilter: string },
    send: (request: TelemetryThreadRequest, transfer: ArrayBuffer[]) => void,
  ) {
    this.name = rule.name;
    this.topicFilter = rule.topicFilter;
    this.#send = send;
  }

  handle(message: RuleMessage): void {
    if (this.#queue.length === 0) setTimeout(() => this.flush(), HAND_OFF_INTERVAL_MS);
    this.#queue.push(message);
  }

  flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    const request = packRuleMessages(queue);
    // The payloads' buffer is the request's own: handed over to the thread, not copied.
    this.#send(request, [request.payloads.buffer as ArrayBuffer]);
  }
}
