import { join } from "node:path";
import {
  type DeadLetter,
  type DeadLetterListOptions,
  type TelemetryQuery,
  type TelemetrySample,
  telemetryModule,
} from "@fleet/core";
import { ingestRecordsFromKinesis, kinesisBatchResponse } from "@fleet/core/adapters/aws";
import { deadLetterPayload, matchTelemetryTopic, TELEMETRY_RULE_SQL } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { DuckDbDeadLetterSink } from "../adapters/duckdb-dead-letter-sink.ts";
import { DuckDbTelemetryReader } from "../adapters/duckdb-telemetry-reader.ts";
import { DuckDbTelemetryStore } from "../adapters/duckdb-telemetry-store.ts";
import { openTelemetryDatabase } from "../adapters/telemetry-database.ts";
import { SANDBOX_RESOURCE_NAMES, SANDBOX_SCOPE } from "../iot-core/sandbox-scope.ts";
import type { TopicRule } from "../iot-core/topic-rule.ts";
import { startKinesisPoller } from "./kinesis-poller.ts";
import { KinesisTopicRule, type RuleActionFailure } from "./kinesis-topic-rule.ts";
import { startLocalKinesis } from "./local-kinesis.ts";

/** The stage's Kinesis action partitions by thing, so one device's records stay in order. */
const PARTITION_KEY_TEMPLATE = "${topic(2)}";
/**
 * Records per invocation, as the stage's event source mapping (`batchSize` in
 * stacks/telemetry.ts): a sandbox taking 1,000 messages a second then ingests them in two or
 * three invocations, where batches of 100 left it a few hundred behind.
 */
const INGEST_BATCH_SIZE = 500;

export interface TelemetryPipelineOptions {
  /** `<stateDir>/telemetry.duckdb` holds the samples and dead letters. */
  stateDir: string;
  logger: Logger;
}

export interface TelemetryPipeline {
  /** For the broker: the telemetry topic rule, with its Kinesis action. */
  readonly rule: TopicRule;
  /** The stream the rule feeds (a real Kinesis API), for benchmarks and inspection. */
  readonly stream: { endpoint: string; streamName: string };
  queryTelemetry(query: TelemetryQuery): Promise<TelemetrySample[]>;
  listDeadLetters(options?: DeadLetterListOptions): Promise<DeadLetter[]>;
  /** Puts what the rule holds, drains the stream into the store, then closes it all. */
  close(): Promise<void>;
}

/**
 * The sandbox's telemetry path, the stage's in miniature:
 *  1. The DuckDB file with the store, its reader and the dead-letter table.
 *  2. kinesalite with the stage's stream name, and the topic rule `TELEMETRY_RULE_SQL` putting
 *     each selected message into it (its error action: the dead-letter table).
 *  3. The poller, standing in for the event source mapping, invoking the same function the
 *     stage's Lambda wraps: Kinesis event -> core's telemetry module's `ingest` -> partial batch
 *     response.
 */
export async function startTelemetryPipeline(
  options: TelemetryPipelineOptions,
): Promise<TelemetryPipeline> {
  const { logger } = options;
  const names = SANDBOX_RESOURCE_NAMES;
  const database = await openTelemetryDatabase(join(options.stateDir, "telemetry.duckdb"));
  const store = new DuckDbTelemetryStore({ database });
  const reader = new DuckDbTelemetryReader({ database });
  const deadLetters = new DuckDbDeadLetterSink({ database });
  const kinesis = await startLocalKinesis({ streamName: names.telemetryStreamName }).catch(
    async (error: unknown) => {
      await database.close();
      throw error;
    },
  );

  const rule = new KinesisTopicRule({
    name: names.telemetryRuleName,
    sql: TELEMETRY_RULE_SQL,
    client: kinesis.client,
    streamName: kinesis.streamName,
    partitionKey: PARTITION_KEY_TEMPLATE,
    onActionError: (failure) => deadLetters.put([ruleErrorLetter(failure)]),
    logger,
  });

  const { ingest } = telemetryModule({ store, deadLetters, clock: () => new Date(), logger });
  const { partition, region, accountId } = SANDBOX_SCOPE;
  const poller = await startKinesisPoller({
    client: kinesis.client,
    streamName: kinesis.streamName,
    batchSize: INGEST_BATCH_SIZE,
    eventSource: {
      streamArn: `arn:${partition}:kinesis:${region}:${accountId}:stream/${kinesis.streamName}`,
      region,
      functionRoleArn: `arn:${partition}:iam::${accountId}:role/${names.telemetryStreamName}-ingest`,
    },
    handler: async (event) => {
      const result = await ingest(ingestRecordsFromKinesis(event));
      return kinesisBatchResponse(result.failedIds);
    },
    onRetriesExhausted: (records, reason) =>
      deadLetters.put(
        records.map(({ kinesis: record }) => ({
          reason,
          issues: [],
          thing: record.partitionKey,
          receivedAt: null,
          payload: deadLetterPayload(Buffer.from(record.data, "base64")),
          source: { partitionKey: record.partitionKey, sequenceNumber: record.sequenceNumber },
          at: new Date().toISOString(),
        })),
      ),
    logger,
  });
  logger.info({ stream: kinesis.streamName, endpoint: kinesis.endpoint }, "telemetry stream ready");

  let closed: Promise<void> | undefined;
  return {
    rule,
    stream: { endpoint: kinesis.endpoint, streamName: kinesis.streamName },
    queryTelemetry: (query) => reader.query(query),
    listDeadLetters: (listOptions) => deadLetters.list(listOptions),
    close() {
      closed ??= (async () => {
        await rule.settled();
        await poller.drain();
        await kinesis.close();
        await database.close();
      })();
      return closed;
    },
  };
}

/** The rule's error action: the message, as the rule output it, set aside with the reason. */
function ruleErrorLetter(failure: RuleActionFailure): DeadLetter {
  return {
    reason: failure.reason,
    issues: [],
    thing: matchTelemetryTopic(failure.message.topic)?.thingName ?? null,
    receivedAt: new Date(failure.message.receivedAt).toISOString(),
    payload: deadLetterPayload(failure.output),
    // It never reached the stream, so it has no sequence number.
    source: { partitionKey: failure.partitionKey, sequenceNumber: "" },
    at: new Date().toISOString(),
  };
}
