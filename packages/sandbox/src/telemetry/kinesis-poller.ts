import { setTimeout as sleep } from "node:timers/promises";
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";
import type { Logger } from "pino";
import { definedOnly } from "../defined-only.ts";

export interface KinesisPollerOptions {
  client: KinesisClient;
  streamName: string;
  /** Stamped on each event record, as Lambda does. */
  eventSource: { streamArn: string; region: string; functionRoleArn: string };
  /** The function: a Lambda-shaped handler with `ReportBatchItemFailures`. */
  handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse>;
  /** Called with the records still failing after `maxRetryAttempts` (the on-failure destination). */
  onRetriesExhausted(records: readonly KinesisStreamRecord[], reason: string): Promise<void>;
  logger: Logger;
  /** Most records per invocation (the mapping's BatchSize). Default 100. */
  batchSize?: number;
  /** Wait after an empty GetRecords. Default 200 ms (Lambda polls each shard once a second). */
  idleDelayMs?: number;
  /** Retries of a failing batch before it is given up (MaximumRetryAttempts). Default 5. */
  maxRetryAttempts?: number;
  /** First wait before a retry, doubled each time. Default 200 ms. */
  retryDelayMs?: number;
}

export interface KinesisPoller {
  /**
   * Stops polling once every shard is read to its end (records put before the call are handed
   * to the handler), or after `timeoutMs` (default 10 s), whichever comes first.
   */
  drain(timeoutMs?: number): Promise<void>;
}

const DEFAULTS = { batchSize: 100, idleDelayMs: 200, maxRetryAttempts: 5, retryDelayMs: 200 };

/**
 * What Lambda's event source mapping does for a Kinesis stream, for the sandbox: one reader per
 * shard from the start of the stream (TRIM_HORIZON) that turns GetRecords into Lambda-shaped
 * events, one invocation at a time. With a partial batch response it checkpoints before the
 * lowest failed sequence number and reads again from there after a backoff; a batch still
 * failing after `maxRetryAttempts` goes to `onRetriesExhausted` and the shard moves on.
 */
export async function startKinesisPoller(options: KinesisPollerOptions): Promise<KinesisPoller> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const { client, streamName, logger } = settings;
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  let draining = false;
  let stopped = false;

  async function iterator(
    shardId: string,
    at: { type: "TRIM_HORIZON" } | { type: "AT_SEQUENCE_NUMBER"; sequenceNumber: string },
  ): Promise<string | undefined> {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: at.type,
        ...(at.type === "AT_SEQUENCE_NUMBER" ? { StartingSequenceNumber: at.sequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  async function invoke(event: KinesisStreamEvent): Promise<string[]> {
    try {
      const response = await settings.handler(event);
      return (response.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
    } catch (error) {
      // A function error retries the whole batch, as Lambda does.
      logger.error({ err: error, records: event.Records.length }, "telemetry ingest failed");
      return event.Records.map((record) => record.kinesis.sequenceNumber);
    }
  }

  async function readShard(shardId: string): Promise<void> {
    let shardIterator = await iterator(shardId, { type: "TRIM_HORIZON" });
    let attempts = 0;
    while (shardIterator !== undefined && !stopped) {
      const {
        Records = [],
        NextShardIterator,
        MillisBehindLatest,
      } = await client.send(
        new GetRecordsCommand({ ShardIterator: shardIterator, Limit: settings.batchSize }),
      );
      if (Records.length === 0) {
        if (draining && (MillisBehindLatest ?? 0) === 0) return;
        shardIterator = NextShardIterator;
        await sleep(settings.idleDelayMs);
        continue;
      }
      const event = {
        Records: Records.map((record) => lambdaRecord(record, shardId, settings.eventSource)),
      };
      const failed = new Set(await invoke(event));
      const firstFailed = event.Records.findIndex((r) => failed.has(r.kinesis.sequenceNumber));
      if (firstFailed === -1) {
        attempts = 0;
        shardIterator = NextShardIterator;
        continue;
      }
      const retry = event.Records.slice(firstFailed);
      attempts += 1;
      if (attempts > settings.maxRetryAttempts) {
        logger.error({ shardId, records: retry.length, attempts }, "batch given up after retries");
        await settings
          .onRetriesExhausted(retry, `ingest still failing after ${attempts - 1} retries`)
          .catch((error: unknown) => logger.error({ err: error }, "on-failure destination failed"));
        attempts = 0;
        shardIterator = NextShardIterator;
        continue;
      }
      logger.warn({ shardId, records: retry.length, attempt: attempts }, "retrying records");
      await sleep(settings.retryDelayMs * 2 ** (attempts - 1));
      shardIterator = await iterator(shardId, {
        type: "AT_SEQUENCE_NUMBER",
        sequenceNumber: (retry[0] as KinesisStreamRecord).kinesis.sequenceNumber,
      });
    }
  }

  const readers = Shards.map(({ ShardId }) =>
    readShard(ShardId as string).catch((error: unknown) => {
      if (!stopped) logger.error({ shardId: ShardId, err: error }, "shard reader stopped");
    }),
  );

  return {
    async drain(timeoutMs = 10_000) {
      draining = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn({ timeoutMs }, "telemetry stream not drained in time");
          resolve();
        }, timeoutMs);
      });
      // The timer must not outlive a drain that finished: it would hold the process open.
      await Promise.race([Promise.all(readers), timeout]).finally(() => clearTimeout(timer));
      stopped = true;
      await Promise.all(readers);
    },
  };
}

/** A GetRecords record as Lambda delivers it in a Kinesis event. */
function lambdaRecord(
  record: _Record,
  shardId: string,
  source: KinesisPollerOptions["eventSource"],
): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber as string;
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.PartitionKey as string,
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: source.functionRoleArn,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
}
