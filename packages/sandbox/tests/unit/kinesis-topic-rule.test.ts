import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { TELEMETRY_RULE_SQL } from "@fleet/core/contracts";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  KinesisTopicRule,
  type RuleActionFailure,
} from "../../src/telemetry/kinesis-topic-rule.ts";
import { PUT_RECORDS_LIMITS, takeBatch } from "../../src/telemetry/put-records-limits.ts";

interface PutInput {
  Records: { Data: Uint8Array; PartitionKey: string }[];
}

/**
 * A Kinesis client that records each PutRecords call; `answer` decides per call: throw (the
 * whole call fails) or return per-record error codes.
 */
function fakeKinesis(answer: (input: PutInput) => ({ ErrorCode?: string } | undefined)[]) {
  const calls: string[][] = [];
  const client = {
    async send(command: { input: PutInput }) {
      calls.push(command.input.Records.map((record) => record.PartitionKey));
      const results = answer(command.input);
      return {
        Records: results.map((result) =>
          result?.ErrorCode === undefined
            ? { SequenceNumber: "1", ShardId: "shardId-0" }
            : { ErrorCode: result.ErrorCode, ErrorMessage: "refused" },
        ),
      };
    },
  } as unknown as KinesisClient;
  return { client, calls };
}

function ruleWith(client: KinesisClient) {
  const failures: RuleActionFailure[] = [];
  const rule = new KinesisTopicRule({
    name: "telemetry",
    sql: TELEMETRY_RULE_SQL,
    client,
    streamName: "telemetry",
    partitionKey: "${topic(2)}",
    onActionError: async (failure) => {
      failures.push(failure);
    },
    logger: pino({ level: "silent" }),
  });
  const send = (thing: string, bytes = 10) =>
    rule.handle({
      topic: `dt/${thing}/telemetry`,
      payload: Buffer.from(JSON.stringify({ pad: "x".repeat(bytes) })),
      clientId: thing,
      receivedAt: 1,
    });
  return { rule, send, failures };
}

describe("the Kinesis topic rule", () => {
  it("splits a call that fails as a whole until only the record that breaks it is set aside", async () => {
    const { client, calls } = fakeKinesis((input) => {
      if (input.Records.some((record) => record.PartitionKey === "SN-POISON")) {
        throw new Error("ValidationException");
      }
      return input.Records.map(() => undefined);
    });
    const { rule, send, failures } = ruleWith(client);
    for (const thing of ["SN-1", "SN-2", "SN-POISON", "SN-3", "SN-4"]) send(thing);
    await rule.settled();

    const put = calls.flat().filter((_, index, all) => all.indexOf(_) === index);
    expect(put).toEqual(expect.arrayContaining(["SN-1", "SN-2", "SN-3", "SN-4"]));
    expect(failures.map((failure) => failure.partitionKey)).toEqual(["SN-POISON"]);
    expect(failures[0]?.reason).toMatch(/ValidationException/);
  });

  it("retries only the records PutRecords refused, each set aside with its own error code", async () => {
    const { client, calls } = fakeKinesis((input) =>
      input.Records.map((record) =>
        record.PartitionKey === "SN-HOT"
          ? { ErrorCode: "ProvisionedThroughputExceededException" }
          : undefined,
      ),
    );
    const { rule, send, failures } = ruleWith(client);
    for (const thing of ["SN-1", "SN-HOT", "SN-2"]) send(thing);
    await rule.settled();

    expect(calls[0]).toEqual(["SN-1", "SN-HOT", "SN-2"]);
    expect(calls.slice(1).every((call) => call.length === 1 && call[0] === "SN-HOT")).toBe(true);
    expect(failures.map((failure) => failure.partitionKey)).toEqual(["SN-HOT"]);
    expect(failures[0]?.reason).toMatch(/ProvisionedThroughputExceededException/);
  });

  it("never sends a record over 1 MiB: it goes to the error action alone", async () => {
    const { client, calls } = fakeKinesis((input) => input.Records.map(() => undefined));
    const { rule, send, failures } = ruleWith(client);
    send("SN-1");
    send("SN-BIG", PUT_RECORDS_LIMITS.recordBytes);
    send("SN-2");
    await rule.settled();

    expect(calls.flat()).toEqual(["SN-1", "SN-2"]);
    expect(failures.map((failure) => failure.partitionKey)).toEqual(["SN-BIG"]);
    expect(failures[0]?.reason).toMatch(/exceeds Kinesis's 1048576-byte record limit/);
  });
});

describe("PutRecords batches", () => {
  const record = (bytes: number) => ({ output: Buffer.alloc(bytes), partitionKey: "SN-1" });

  it("take at most 500 records per call", () => {
    const queue = Array.from({ length: 1_200 }, () => record(10));
    expect([takeBatch(queue).length, takeBatch(queue).length, takeBatch(queue).length]).toEqual([
      500, 500, 200,
    ]);
  });

  it("take at most 5 MiB per call, partition keys included", () => {
    const queue = Array.from({ length: 6 }, () => record(1024 * 1024 - 4));
    expect(takeBatch(queue)).toHaveLength(5);
    expect(takeBatch(queue)).toHaveLength(1);
  });

  it("stop before a record over the record limit", () => {
    const queue = [record(10), record(PUT_RECORDS_LIMITS.recordBytes), record(10)];
    expect(takeBatch(queue)).toHaveLength(1);
    expect(takeBatch(queue)).toHaveLength(0);
    expect(queue).toHaveLength(2);
  });
});
