import { TELEMETRY_RULE_SQL } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../src/errors.ts";
import { compileRuleSql, type RuleMessage } from "../../src/iot-core/topic-rule.ts";

function message(payload: string | Buffer, topic = "dt/SN-1/telemetry"): RuleMessage {
  return {
    topic,
    payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
    clientId: "SN-1",
    receivedAt: 1_700_000_000_123,
  };
}

describe("the telemetry rule's SQL as the sandbox evaluates it", () => {
  const rule = compileRuleSql(TELEMETRY_RULE_SQL);

  it("selects from every device's telemetry topic", () => {
    expect(rule.topicFilter).toBe("dt/+/telemetry");
  });

  it("adds the thing from the topic and the receive time to a JSON payload", () => {
    const output = rule.select(message('{"seq":1,"heartbeat":{"reconnects":0}}'));
    expect(JSON.parse(output.toString())).toEqual({
      seq: 1,
      heartbeat: { reconnects: 0 },
      thing: "SN-1",
      receivedAt: 1_700_000_000_123,
    });
  });

  it("overrides a thing the payload claims with the one from the topic", () => {
    const output = rule.select(message('{"thing":"SN-OTHER","receivedAt":1}'));
    expect(JSON.parse(output.toString())).toEqual({ thing: "SN-1", receivedAt: 1_700_000_000_123 });
  });

  it("passes a payload that is not a JSON object through unchanged", () => {
    for (const payload of ["not json {", "[1,2]", "42", Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
      const input = message(payload);
      expect(rule.select(input)).toEqual(input.payload);
    }
  });

  it("adds the fields to an empty payload", () => {
    expect(JSON.parse(rule.select(message("")).toString())).toEqual({
      thing: "SN-1",
      receivedAt: 1_700_000_000_123,
    });
  });

  it("expands the Kinesis action's partition key template to the thing", () => {
    expect(rule.substitute("${topic(2)}", message("{}"))).toBe("SN-1");
  });
});

describe("compileRuleSql", () => {
  it("adds nothing for a topic level the topic does not have", () => {
    const rule = compileRuleSql("SELECT *, topic(5) AS deep, clientid() AS client FROM 'a/#'");
    expect(JSON.parse(rule.select(message("{}", "a/b")).toString())).toEqual({ client: "SN-1" });
  });

  it("refuses SQL outside the subset it evaluates instead of misreading it", () => {
    expect(() => compileRuleSql("SELECT temperature FROM 'dt/+/telemetry'")).toThrow(
      InvalidRequestError,
    );
    expect(() => compileRuleSql("SELECT *, principal() AS p FROM 'dt/+/telemetry'")).toThrow(
      /principal\(\) .* is not supported/,
    );
  });
});
