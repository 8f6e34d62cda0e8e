import { describe, expect, it } from "vitest";
import type { RuleMessage } from "../../src/iot-core/topic-rule.ts";
import {
  packRuleMessages,
  unpackRuleMessages,
} from "../../src/wiring/telemetry-thread-protocol.ts";

describe("rule messages handed to the telemetry thread", () => {
  it("come out as they went in, empty and binary payloads included, from one buffer of their own", () => {
    // A payload that is a slice of a larger buffer, as the MQTT parser hands them out.
    const shared = Buffer.from('xx{"seq":1}yy');
    const messages: RuleMessage[] = [
      { topic: "dt/a/telemetry", clientId: "a", receivedAt: 1, payload: shared.subarray(2, 11) },
      { topic: "dt/b/telemetry", clientId: "b", receivedAt: 2, payload: Buffer.alloc(0) },
      { topic: "dt/c/telemetry", clientId: "c", receivedAt: 3, payload: Buffer.from([0, 255, 7]) },
    ];
    const request = packRuleMessages(messages);
    expect(request.payloads.byteLength).toBe(12);
    expect(request.payloads.buffer.byteLength).toBe(12);
    const unpacked = unpackRuleMessages(structuredClone(request));
    expect(unpacked).toEqual(messages);
    expect(unpacked.map((message) => Buffer.isBuffer(message.payload))).toEqual([true, true, true]);
  });
});
