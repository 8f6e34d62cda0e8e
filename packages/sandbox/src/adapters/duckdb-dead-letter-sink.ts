import { type DuckDBAppender, DuckDBTimestampValue } from "@duckdb/node-api";
import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterReader,
  DeadLetterSink,
} from "@fleet/core";
import type { TelemetryDatabase } from "./telemetry-database.ts";

const DEFAULT_LIMIT = 100;

/** The sandbox's dead-letter destination (an SQS queue on a stage): the `dead_letters` table. */
export class DuckDbDeadLetterSink implements DeadLetterSink, DeadLetterReader {
  readonly #database: TelemetryDatabase;

  constructor(options: { database: TelemetryDatabase }) {
    this.#database = options.database;
  }

  async put(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.#database.exclusive(async (connection) => {
      const appender = await connection.createAppender("dead_letters");
      try {
        for (const letter of letters) {
          appender.appendTimestamp(timestamp(letter.at));
          appender.appendVarchar(letter.reason);
          appender.appendVarchar(JSON.stringify(letter.issues));
          nullable(appender, letter.thing);
          nullable(appender, letter.receivedAt);
          appender.appendVarchar(letter.payload);
          appender.appendVarchar(letter.source.partitionKey);
          appender.appendVarchar(letter.source.sequenceNumber);
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    });
  }

  /** Dead letters newest first, as `fleet telemetry dead-letters` shows them. */
  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const reader = await this.#database.exclusive((connection) =>
      connection.runAndReadAll(
        `SELECT epoch_ms(set_aside_at) AS at_ms, reason, issues, thing, received_at, payload,
                partition_key, sequence_number
         FROM dead_letters WHERE set_aside_at >= epoch_ms($since::BIGINT)
         ORDER BY set_aside_at DESC, sequence_number DESC LIMIT $limit`,
        { since: options.since?.getTime() ?? 0, limit: options.limit ?? DEFAULT_LIMIT },
      ),
    );
    return reader.getRowObjectsJS().map((row) => ({
      reason: String(row.reason),
      issues: JSON.parse(String(row.issues)) as DeadLetter["issues"],
      thing: row.thing === null ? null : String(row.thing),
      receivedAt: row.received_at === null ? null : String(row.received_at),
      payload: String(row.payload),
      source: {
        partitionKey: String(row.partition_key),
        sequenceNumber: String(row.sequence_number),
      },
      at: new Date(Number(row.at_ms)).toISOString(),
    }));
  }
}

function nullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function timestamp(iso: string): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Date.parse(iso)) * 1000n);
}
