import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DeadLetter, DeadLetterSink } from "../../ports/dead-letter-sink.ts";
import { DeadLetterDeliveryError } from "../../telemetry/telemetry-errors.ts";
import { callAws, SQS_SERVICE } from "./aws-errors.ts";

export interface SqsDeadLetterSinkOptions {
  /** Build it with AWS_CLIENT_RETRY: throttling is retried by the SDK before a put fails. */
  sqs: SQSClient;
  /** The stage's dead-letter queue (`telemetryDeadLetterQueueName`). */
  queueUrl: string;
}

// SendMessageBatch: 10 messages, and 256 KiB for one message as for the whole batch (queues
// configured for more still accept this).
const MAX_BATCH_ENTRIES = 10;
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;

/** The body of a dead letter too large for SQS: `payload` cut to fit, and flagged as cut. */
export type DeadLetterMessage = DeadLetter & { payloadTruncated?: true };

/**
 * Dead letters as JSON messages on the stage's SQS queue, 10 per SendMessageBatch. Entries the
 * queue failed are sent once more; if some still fail the put throws, so that the ingest
 * retries their records instead of losing them.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsDeadLetterSinkOptions) {
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
  }

  async put(letters: readonly DeadLetter[]): Promise<void> {
    const bodies = letters.map(messageBody);
    let failed = await this.#send(bodies.map((body, i) => ({ Id: String(i), MessageBody: body })));
    if (failed.length > 0) {
      const retry = new Set(failed.map((failure) => failure.Id));
      failed = await this.#send(
        bodies.flatMap((body, i) =>
          retry.has(String(i)) ? [{ Id: String(i), MessageBody: body }] : [],
        ),
      );
    }
    if (failed.length > 0) {
      const failures = failed.map((failure) => ({
        code: failure.Code ?? "Unknown",
        message: failure.Message ?? "",
        senderFault: failure.SenderFault ?? false,
      }));
      throw new DeadLetterDeliveryError(
        `SQS refused ${failures.length} of ${letters.length} dead letters twice (${[...new Set(failures.map((f) => f.code))].join(", ")})`,
        { failures },
      );
    }
  }

  /** Sends the entries in batches within SQS's limits; returns the entries SQS failed. */
  async #send(entries: readonly SendMessageBatchRequestEntry[]): Promise<BatchResultErrorEntry[]> {
    const failed: BatchResultErrorEntry[] = [];
    for (const batch of batches(entries)) {
      const reply = await callAws(SQS_SERVICE, "SendMessageBatch", () =>
        this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: batch })),
      );
      failed.push(...(reply.Failed ?? []));
    }
    return failed;
  }
}

function* batches(
  entries: readonly SendMessageBatchRequestEntry[],
): Generator<SendMessageBatchRequestEntry[]> {
  let batch: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.MessageBody ?? "");
    if (
      batch.length === MAX_BATCH_ENTRIES ||
      (batch.length > 0 && bytes + size > SQS_MAX_MESSAGE_BYTES)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/**
 * The letter as JSON that SQS accepts: within the size limit (the payload cut to fit, with
 * `payloadTruncated`), and with U+FFFE/U+FFFF escaped, which SQS refuses in a message body.
 */
export function messageBody(letter: DeadLetter): string {
  const whole = serialize(letter);
  if (Buffer.byteLength(whole) <= SQS_MAX_MESSAGE_BYTES) return whole;
  const cut = (length: number): DeadLetterMessage => ({
    ...letter,
    payload: letter.payload.slice(0, length),
    payloadTruncated: true,
  });
  // The longest payload prefix that still fits (binary search: JSON escaping varies per character).
  let low = 0;
  let high = letter.payload.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(serialize(cut(mid))) <= SQS_MAX_MESSAGE_BYTES) low = mid;
    else high = mid - 1;
  }
  return serialize(cut(low));
}

function serialize(message: DeadLetterMessage): string {
  return JSON.stringify(message).replace(
    /[\uFFFE\uFFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}
