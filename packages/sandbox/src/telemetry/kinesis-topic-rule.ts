import { setTimeout as sleep } from "node:timers/promises";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";
import {
  compileRuleSql,
  type RuleMessage,
  type RuleStatement,
  type TopicRule,
} from "../iot-core/topic-rule.ts";
import { oversizedRecordReason, takeBatch } from "./put-records-limits.ts";

/** A message the rule's action could not deliver: what the rule's error action receives. */
export interface RuleActionFailure {
  ruleName: string;
  message: RuleMessage;
  /** The rule's output for the message (the record it tried to put). */
  output: Buffer;
  partitionKey: string;
  reason: string;
}

export interface KinesisTopicRuleOptions {
  name: string;
  /** AWS IoT SQL, e.g. `TELEMETRY_RULE_SQL` (see `compileRuleSql` for the subset). */
  sql: string;
  client: KinesisClient;
  streamName: string;
  /** Substitution template, as the stage's Kinesis action has it: `${topic(2)}`. */
  partitionKey: string;
  /** The rule's error action: called once a record could not be put after the retries. */
  onActionError(failure: RuleActionFailure): Promise<void>;
  logger: Logger;
}

interface Entry {
  message: RuleMessage;
  output: Buffer;
  partitionKey: string;
}

/** Attempts per record before the error action (throttled or failed entries are put again). */
const MAX_ATTEMPTS = 4;
const RETRY_BASE_DELAY_MS = 50;
/** How long the first message of a batch waits for others (the KPL's RecordMaxBufferedTime). */
const LINGER_MS = 20;

/**
 * A topic rule with a Kinesis action, as AWS IoT runs one: each message the SQL selects becomes
 * one record (the SQL's output, partition key from the template) of the stream. Records are
 * batched while a PutRecords call is under way, in arrival order, within PutRecords' count and
 * byte limits (`PUT_RECORDS_LIMITS`). One bad record never costs the others:
 * - a record over Kinesis's 1 MiB record limit goes to the error action alone, unsent;
 * - records the stream refuses one by one (PutRecords' per-record `ErrorCode`) are put again
 *   with backoff, and those still refused go to the error action, each with its own reason;
 * - a call that fails as a whole is split in halves, each put on its own, down to the single
 *   record that fails, so valid records of the same batch still reach the stream.
 */
export class KinesisTopicRule implements TopicRule {
  readonly name: string;
  readonly topicFilter: string;
  readonly #statement: RuleStatement;
  readonly #options: KinesisTopicRuleOptions;
  readonly #queue: Entry[] = [];
  #flushing: Promise<void> | undefined;

  constructor(options: KinesisTopicRuleOptions) {
    this.name = options.name;
    this.#statement = compileRuleSql(options.sql);
    this.topicFilter = this.#statement.topicFilter;
    this.#options = options;
  }

  handle(message: RuleMessage): void {
    this.#queue.push({
      message,
      output: this.#statement.select(message),
      partitionKey: this.#statement.substitute(this.#options.partitionKey, message),
    });
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
  }

  /** Resolves once every message handled so far was put (or given to the error action). */
  async settled(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // Let the messages of the next few milliseconds join the first call: at 1,000 messages a
    // second, calls of a record or two cost the sandbox more in SDK work (signing,
    // serialising, HTTP) than the records themselves.
    await sleep(LINGER_MS);
    while (this.#queue.length > 0) {
      const batch = takeBatch(this.#queue);
      if (batch.length > 0) {
        await this.#put(batch);
        continue;
      }
      // takeBatch stops at a record over the record limit: it goes to the error action alone.
      const entry = this.#queue.shift() as Entry;
      await this.#actionError(entry, oversizedRecordReason(entry) ?? "record too large");
    }
  }

  /** Puts `entries`, retrying refused records; a call failing as a whole is split (see above). */
  async #put(entries: Entry[]): Promise<void> {
    const { client, streamName, logger } = this.#options;
    let pending = entries;
    let reasons: string[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(RETRY_BASE_DELAY_MS * 2 ** (attempt - 2));
      try {
        const { Records = [] } = await client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: pending.map((entry) => ({
              Data: entry.output,
              PartitionKey: entry.partitionKey,
            })),
          }),
        );
        const failed = pending.flatMap((entry, index) => {
          const result = Records[index];
          return result?.ErrorCode === undefined
            ? []
            : [{ entry, reason: `${result.ErrorCode}: ${result.ErrorMessage ?? ""}` }];
        });
        pending = failed.map((each) => each.entry);
        reasons = failed.map((each) => each.reason);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (pending.length > 1) {
          logger.warn({ rule: this.name, records: pending.length, reason }, "put failed: split");
          const half = Math.ceil(pending.length / 2);
          await this.#put(pending.slice(0, half));
          await this.#put(pending.slice(half));
          return;
        }
        reasons = [reason];
      }
      if (pending.length > 0) {
        logger.warn(
          { rule: this.name, records: pending.length, attempt, reason: reasons[0] },
          "put failed",
        );
      }
    }
    for (const [index, entry] of pending.entries()) {
      await this.#actionError(
        entry,
        `Kinesis PutRecords to ${streamName} failed: ${reasons[index]}`,
      );
    }
  }

  async #actionError(entry: Entry, reason: string): Promise<void> {
    const { logger } = this.#options;
    logger.warn({ rule: this.name, topic: entry.message.topic, reason }, "rule action failed");
    await this.#options
      .onActionError({
        ruleName: this.name,
        message: entry.message,
        output: entry.output,
        partitionKey: entry.partitionKey,
        reason,
      })
      .catch((error: unknown) =>
        logger.error({ rule: this.name, err: error }, "rule error action failed"),
      );
  }
}
