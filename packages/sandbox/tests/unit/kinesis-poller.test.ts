import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startKinesisPoller } from "../../src/telemetry/kinesis-poller.ts";
import { type LocalKinesis, startLocalKinesis } from "../../src/telemetry/local-kinesis.ts";

const logger = pino({ level: "silent" });
const eventSource = {
  streamArn: "arn:aws:kinesis:local-1:000000000000:stream/test",
  region: "local-1",
  functionRoleArn: "arn:aws:iam::000000000000:role/test",
};

describe("the Kinesis poller (event source mapping) over kinesalite", () => {
  let kinesis: LocalKinesis | undefined;
  afterEach(async () => {
    await kinesis?.close();
    kinesis = undefined;
  });

  async function streamWith(texts: readonly string[]): Promise<LocalKinesis> {
    kinesis = await startLocalKinesis({ streamName: "test" });
    await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: "test",
        Records: texts.map((text) => ({ Data: Buffer.from(text), PartitionKey: "SN-1" })),
      }),
    );
    return kinesis;
  }

  const text = (record: KinesisStreamRecord) =>
    Buffer.from(record.kinesis.data, "base64").toString();

  it("delivers Lambda-shaped events in stream order and again from the lowest failed record", async () => {
    const { client } = await streamWith(["a", "b", "c", "d"]);
    const deliveries: string[][] = [];
    let failedOnce = false;
    const poller = await startKinesisPoller({
      client,
      streamName: "test",
      eventSource,
      logger,
      retryDelayMs: 1,
      async handler(event: KinesisStreamEvent) {
        deliveries.push(event.Records.map(text));
        const b = event.Records.find((record) => text(record) === "b");
        if (b === undefined || failedOnce) return { batchItemFailures: [] };
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: b.kinesis.sequenceNumber }] };
      },
      onRetriesExhausted: async () => {},
    });
    await poller.drain();
    expect(deliveries).toEqual([
      ["a", "b", "c", "d"],
      ["b", "c", "d"],
    ]);
  });

  it("gives a batch that keeps failing to the on-failure destination and moves on", async () => {
    const { client } = await streamWith(["a", "b"]);
    const givenUp: string[] = [];
    let invocations = 0;
    const poller = await startKinesisPoller({
      client,
      streamName: "test",
      eventSource,
      logger,
      retryDelayMs: 1,
      maxRetryAttempts: 2,
      async handler() {
        invocations += 1;
        throw new Error("store down");
      },
      async onRetriesExhausted(records, reason) {
        givenUp.push(...records.map(text), reason);
      },
    });
    await poller.drain();
    expect(invocations).toBe(3);
    expect(givenUp).toEqual(["a", "b", "ingest still failing after 2 retries"]);
  });

  it("stamps each record as Lambda does", async () => {
    const { client } = await streamWith(["a"]);
    const events: KinesisStreamEvent[] = [];
    const poller = await startKinesisPoller({
      client,
      streamName: "test",
      eventSource,
      logger,
      async handler(event) {
        events.push(event);
        return { batchItemFailures: [] };
      },
      onRetriesExhausted: async () => {},
    });
    await poller.drain();
    const [record] = events[0]?.Records ?? [];
    expect(record).toMatchObject({
      eventSource: "aws:kinesis",
      eventName: "aws:kinesis:record",
      eventSourceARN: eventSource.streamArn,
      awsRegion: "local-1",
      kinesis: { partitionKey: "SN-1", data: Buffer.from("a").toString("base64") },
    });
    expect(record?.eventID).toBe(`shardId-000000000000:${record?.kinesis.sequenceNumber}`);
  });
});
