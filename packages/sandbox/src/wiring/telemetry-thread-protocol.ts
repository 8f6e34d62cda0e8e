// The messages between the sandbox's main thread and its telemetry thread (`startTelemetryThread`).
import type { DeadLetterListOptions, TelemetryQuery } from "@fleet/core";
import type { RuleMessage } from "../iot-core/topic-rule.ts";
import type { TelemetryPipeline } from "../telemetry/telemetry-pipeline.ts";

/** What the main thread asks of the telemetry thread. */
export type TelemetryThreadRequest =
  | RuleMessagesRequest
  | { kind: "query"; id: number; query: TelemetryQuery }
  | { kind: "dead-letters"; id: number; options: DeadLetterListOptions | undefined }
  | { kind: "close" };

/** What the telemetry thread tells the main thread. */
export type TelemetryThreadReply =
  | {
      kind: "ready";
      rule: { name: string; topicFilter: string };
      stream: TelemetryPipeline["stream"];
    }
  | { kind: "failed"; error: unknown }
  | { kind: "answer"; id: number; value: unknown }
  | { kind: "error"; id: number; error: unknown }
  | { kind: "log"; line: string };

export interface TelemetryThreadData {
  stateDir: string;
  logLevel: string;
}

/** A batch of rule messages: each payload is `payloads` from the previous one's `end`. */
export interface RuleMessagesRequest {
  kind: "rule-messages";
  messages: { topic: string; clientId: string; receivedAt: number; end: number }[];
  payloads: Uint8Array;
}

/** Packs `messages` with their payloads copied into one buffer, to be transferred, not cloned. */
export function packRuleMessages(messages: readonly RuleMessage[]): RuleMessagesRequest {
  let total = 0;
  for (const message of messages) total += message.payload.length;
  const payloads = new Uint8Array(total);
  let end = 0;
  const packed = messages.map(({ topic, clientId, receivedAt, payload }) => {
    payloads.set(payload, end);
    end += payload.length;
    return { topic, clientId, receivedAt, end };
  });
  return { kind: "rule-messages", messages: packed, payloads };
}

export function unpackRuleMessages(request: RuleMessagesRequest): RuleMessage[] {
  const { buffer, byteOffset, length } = request.payloads;
  const payloads = Buffer.from(buffer, byteOffset, length);
  let start = 0;
  return request.messages.map(({ topic, clientId, receivedAt, end }) => {
    const payload = payloads.subarray(start, end);
    start = end;
    return { topic, clientId, receivedAt, payload };
  });
}
