import { describe, expect, it } from "vitest";
import {
  AWS_MESSAGE_LIMITS,
  clientIdProblem,
  payloadProblem,
  topicFilterProblem,
  topicNameProblem,
} from "../../src/iot-core/broker/message-limits.ts";

describe("AWS IoT Core message broker limits and MQTT 3.1.1 topic rules", () => {
  it("accepts the product's own topics, reserved ones included", () => {
    for (const topic of [
      "dt/SN-1/telemetry",
      "$aws/things/SN-1/jobs/job-1/update/accepted",
      "$aws/things/SN-1/shadow/name/config/update/accepted",
    ]) {
      expect(topicNameProblem(topic)).toBeUndefined();
    }
    expect(topicFilterProblem("$aws/things/SN-1/jobs/+/update/+")).toBeUndefined();
  });

  it("refuses U+0000 and ill-formed UTF-8 in topics and client ids", () => {
    expect(topicNameProblem("dt/SN-1\u0000/telemetry")).toMatch(/U\+0000/);
    expect(topicFilterProblem("dt/\u0000/#")).toMatch(/U\+0000/);
    expect(topicNameProblem(Buffer.from([0x64, 0x74, 0x2f, 0xc3, 0x28]).toString())).toMatch(
      /well-formed UTF-8/,
    );
    expect(clientIdProblem("SN-1\u0000")).toMatch(/U\+0000/);
  });

  it("refuses wildcards in a PUBLISH topic but not in a topic filter", () => {
    expect(topicNameProblem("dt/+/telemetry")).toMatch(/wildcard/);
    expect(topicNameProblem("dt/#")).toMatch(/wildcard/);
    expect(topicFilterProblem("dt/+/telemetry")).toBeUndefined();
  });

  it("refuses a topic over 256 bytes, counting UTF-8 bytes rather than characters", () => {
    expect(topicNameProblem(`dt/${"a".repeat(253)}`)).toBeUndefined();
    expect(topicNameProblem(`dt/${"a".repeat(254)}`)).toMatch(/257 bytes exceeds 256.*Topic size/);
    expect(topicNameProblem(`dt/${"é".repeat(127)}`)).toMatch(/257 bytes/);
  });

  it("refuses more than 7 slashes, except the three of a Basic Ingest prefix", () => {
    expect(topicNameProblem("a/b/c/d/e/f/g/h")).toBeUndefined();
    expect(topicNameProblem("a/b/c/d/e/f/g/h/i")).toMatch(/8 slashes, over 7/);
    expect(topicFilterProblem("a/b/c/d/e/f/g/h/#")).toMatch(/8 slashes/);
    expect(topicNameProblem("$aws/rules/telemetry/a/b/c/d/e/f/g/h")).toBeUndefined();
  });

  it("refuses a client id over 128 bytes, such as the 206 characters of the attack", () => {
    expect(clientIdProblem("c".repeat(128))).toBeUndefined();
    expect(clientIdProblem("c".repeat(206))).toMatch(/206 bytes exceeds 128.*Client ID size/);
  });

  it("refuses a payload over 128 KB with AWS's PAYLOAD_LIMIT_EXCEEDED", () => {
    expect(payloadProblem(Buffer.alloc(AWS_MESSAGE_LIMITS.payloadBytes))).toBeUndefined();
    expect(payloadProblem(Buffer.alloc(AWS_MESSAGE_LIMITS.payloadBytes + 1))).toMatch(
      /^PAYLOAD_LIMIT_EXCEEDED/,
    );
  });
});
