import { ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DeadLetterSchema } from "../../contracts/dead-letter.ts";
import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterReader,
} from "../../ports/dead-letter-sink.ts";
import { callAws, SQS_SERVICE } from "./aws-errors.ts";

export interface SqsDeadLetterReaderOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** ReceiveMessage calls at most, so a large queue is sampled rather than read forever. Default 20. */
  maxReceives?: number;
}

/**
 * Peeks at the stage's dead-letter queue without consuming it: every ReceiveMessage uses a
 * visibility timeout of 0, so the letters stay for whoever processes them. SQS hands out
 * messages in no particular order, so the reader collects distinct ones over a bounded number
 * of receives, then sorts newest first.
 */
export class SqsDeadLetterReader implements DeadLetterReader {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #maxReceives: number;

  constructor(options: SqsDeadLetterReaderOptions) {
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
    this.#maxReceives = options.maxReceives ?? 20;
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const letters = new Map<string, DeadLetter>();
    for (let call = 0; call < this.#maxReceives && letters.size < limit; call++) {
      const reply = await callAws(SQS_SERVICE, "ReceiveMessage", () =>
        this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
          }),
        ),
      );
      const messages = reply.Messages ?? [];
      let fresh = 0;
      for (const message of messages) {
        if (message.MessageId === undefined || letters.has(message.MessageId)) continue;
        const parsed = DeadLetterSchema.safeParse(jsonOrNull(message.Body));
        if (!parsed.success) continue; // not a dead letter of ours: leave it alone
        letters.set(message.MessageId, parsed.data);
        fresh += 1;
      }
      if (messages.length === 0 || fresh === 0) break;
    }
    const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    return [...letters.values()]
      .filter((letter) => Date.parse(letter.at) >= since)
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
      .slice(0, limit);
  }
}

function jsonOrNull(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "null");
  } catch {
    return null;
  }
}
