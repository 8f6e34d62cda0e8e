import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SqsDeadLetterReader } from "../../src/adapters/aws/index.ts";
import type { DeadLetter } from "../../src/ports/index.ts";

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/fleet-dev-telemetry-dead-letters";

function letter(at: string, reason: string): DeadLetter {
  return {
    reason,
    issues: [{ path: "seq", message: "Too small: expected number to be >=0" }],
    thing: "dev-1",
    receivedAt: at,
    payload: '{"seq":-1}',
    source: { partitionKey: "dev-1", sequenceNumber: "4960" },
    at,
  };
}

describe("SqsDeadLetterReader", () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it("peeks with a zero visibility timeout, skips repeats and foreign messages, newest first", async () => {
    const older = letter("2026-11-21T10:00:00.000Z", "older");
    const newer = letter("2026-11-21T11:00:00.000Z", "newer");
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: "a", Body: JSON.stringify(older) },
          { MessageId: "x", Body: "not ours" },
        ],
      })
      .resolvesOnce({
        Messages: [
          { MessageId: "a", Body: JSON.stringify(older) },
          { MessageId: "b", Body: JSON.stringify(newer) },
        ],
      })
      .resolves({ Messages: [{ MessageId: "b", Body: JSON.stringify(newer) }] });

    const letters = await new SqsDeadLetterReader({
      sqs: new SQSClient({}),
      queueUrl: QUEUE,
    }).list();

    expect(letters.map((l) => l.reason)).toEqual(["newer", "older"]);
    const inputs = sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(3); // the third receive brought nothing new: stop
    for (const input of inputs) {
      expect(input).toEqual({
        QueueUrl: QUEUE,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
      });
    }
  });

  it("applies since and limit", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({
      Messages: [
        { MessageId: "a", Body: JSON.stringify(letter("2026-11-21T09:00:00.000Z", "too old")) },
        { MessageId: "b", Body: JSON.stringify(letter("2026-11-21T11:00:00.000Z", "b")) },
        { MessageId: "c", Body: JSON.stringify(letter("2026-11-21T12:00:00.000Z", "c")) },
      ],
    });
    const letters = await new SqsDeadLetterReader({ sqs: new SQSClient({}), queueUrl: QUEUE }).list(
      {
        since: new Date("2026-11-21T10:00:00.000Z"),
        limit: 1,
      },
    );
    expect(letters.map((l) => l.reason)).toEqual(["c"]);
  });
});
