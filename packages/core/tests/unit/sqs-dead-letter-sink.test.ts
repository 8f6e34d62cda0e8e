import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { SQS_MAX_MESSAGE_BYTES, SqsDeadLetterSink } from "../../src/adapters/aws/index.ts";
import type { DeadLetter } from "../../src/ports/index.ts";
import { DeadLetterDeliveryError } from "../../src/telemetry/telemetry-errors.ts";

const QUEUE_URL =
  "https://sqs.eu-west-1.amazonaws.com/123456789012/fleet-dev-telemetry-dead-letters";
const sqs = new SQSClient({ region: "eu-west-1" });
const mock = mockClient(sqs);
const sink = new SqsDeadLetterSink({ sqs, queueUrl: QUEUE_URL });

function letter(n: number, payload = `{"seq":${n}}`): DeadLetter {
  return {
    reason: "message breaks the telemetry contract",
    issues: [{ path: "heartbeat.uptime", message: "expected number, received string" }],
    thing: "rpi-0001",
    receivedAt: "2026-11-02T10:15:30.123Z",
    payload,
    source: { partitionKey: "rpi-0001", sequenceNumber: String(n) },
    at: "2026-11-02T10:15:31.000Z",
  };
}

function batches() {
  return mock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
}

beforeEach(() => {
  mock.reset();
  mock.on(SendMessageBatchCommand).callsFake(async (input) => ({
    Successful: (input.Entries ?? []).map((e: { Id: string }) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
    })),
    Failed: [],
  }));
});

describe("SqsDeadLetterSink", () => {
  it("sends each letter as a JSON message, ten per SendMessageBatch", async () => {
    const letters = Array.from({ length: 23 }, (_, i) => letter(i));

    await sink.put(letters);

    expect(batches().map((b) => [b.QueueUrl, b.Entries?.length])).toEqual([
      [QUEUE_URL, 10],
      [QUEUE_URL, 10],
      [QUEUE_URL, 3],
    ]);
    const bodies = batches().flatMap((b) =>
      (b.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "")),
    );
    expect(bodies).toEqual(letters);
  });

  it("sends nothing for no letters", async () => {
    await sink.put([]);

    expect(batches()).toEqual([]);
  });

  it("keeps a batch within SQS's 256 KiB limit for all its messages", async () => {
    const letters = Array.from({ length: 6 }, (_, i) => letter(i, "x".repeat(60 * 1024)));

    await sink.put(letters);

    const sizes = batches().map((b) =>
      (b.Entries ?? []).reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ""), 0),
    );
    expect(batches().map((b) => b.Entries?.length)).toEqual([4, 2]);
    expect(sizes.every((size) => size <= SQS_MAX_MESSAGE_BYTES)).toBe(true);
  });

  it("cuts a payload too large for one message and marks it cut", async () => {
    await sink.put([letter(1, `"${'\\"'.repeat(200 * 1024)}`)]);

    const body = batches()[0]?.Entries?.[0]?.MessageBody ?? "";
    const sent = JSON.parse(body);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(body)).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES - 8);
    expect(sent.payloadTruncated).toBe(true);
    expect(sent.source).toEqual({ partitionKey: "rpi-0001", sequenceNumber: "1" });
  });

  it("escapes the noncharacters SQS refuses in a message body", async () => {
    await sink.put([letter(1, "a\uFFFEb\uFFFFc")]);

    const body = batches()[0]?.Entries?.[0]?.MessageBody ?? "";
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(JSON.parse(body).payload).toBe("a\uFFFEb\uFFFFc");
  });

  it("sends the entries SQS failed once more", async () => {
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: "0", MessageId: "m-0", MD5OfMessageBody: "" }],
        Failed: [{ Id: "1", SenderFault: false, Code: "InternalError", Message: "try again" }],
      })
      .resolves({ Successful: [{ Id: "1", MessageId: "m-1", MD5OfMessageBody: "" }], Failed: [] });

    await sink.put([letter(0), letter(1)]);

    expect(batches().map((b) => b.Entries?.map((e) => e.Id))).toEqual([["0", "1"], ["1"]]);
    expect(JSON.parse(batches()[1]?.Entries?.[0]?.MessageBody ?? "")).toEqual(letter(1));
  });

  it("throws when letters still fail after the retry, so none is lost silently", async () => {
    mock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: "0", SenderFault: true, Code: "InvalidMessageContents", Message: "bad" }],
    });

    const error = await sink.put([letter(0)]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadLetterDeliveryError);
    expect(error).toMatchObject({
      message: "SQS refused 1 of 1 dead letters twice (InvalidMessageContents)",
      failures: [{ code: "InvalidMessageContents", message: "bad", senderFault: true }],
    });
    expect(batches()).toHaveLength(2);
  });

  it("names the refused operation when the queue policy denies the send", async () => {
    mock
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

    const error = await sink.put([letter(0)]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect(error).toMatchObject({ operation: "SendMessageBatch" });
  });
});
