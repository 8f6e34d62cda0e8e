import pLimit from "p-limit";
import { type ContractIssue, ContractViolationError } from "../contracts/contract-errors.ts";
import { deadLetterPayload } from "../contracts/dead-letter.ts";
import { parseMessage } from "../contracts/parse-message.ts";
import { type TelemetryRecord, TelemetryRecordSchema } from "../contracts/telemetry-rule.ts";
import { telemetryTopic } from "../contracts/topics.ts";
import type { DeadLetter, DeadLetterSink } from "../ports/dead-letter-sink.ts";
import type { TelemetryStore } from "../ports/telemetry-store.ts";
import { telemetryPoints } from "../telemetry/telemetry-points.ts";
import { type OwnedPoint, writeChunks } from "../telemetry/write-chunks.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

/** One stream record, as a Kinesis event (Lambda) or GetRecords (sandbox poller) gives it. */
export interface IngestRecord {
  /** Kinesis sequence number: what a partial batch response names to retry. */
  id: string;
  /** The thing, as the rule set it (`${topic(2)}`). */
  partitionKey: string;
  /** The rule's output: the device message plus `thing` and `receivedAt`, as UTF-8 JSON. */
  data: Uint8Array;
}

export interface IngestResult {
  /** Records to deliver again (transient store or dead-letter failures), in input order. */
  failedIds: string[];
  /** Messages whose every point was stored. */
  written: number;
  /** Messages set aside in the dead-letter sink. */
  deadLettered: number;
  /** Calls to `store.write`. */
  writeCalls: number;
}

export interface IngestTelemetryDeps {
  store: TelemetryStore;
  deadLetters: DeadLetterSink;
  logger?: UseCaseLogger;
  /** Time of the dead letters. Default `() => new Date()`. */
  clock?: () => Date;
  /** Store writes under way at once. Default 4. */
  concurrency?: number;
}

export type IngestTelemetry = (records: readonly IngestRecord[]) => Promise<IngestResult>;

const DEFAULT_CONCURRENCY = 4;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

interface Rejection {
  reason: string;
  issues: ContractIssue[];
}

/** Where a record stands after its points' writes. */
interface RecordState {
  record: IngestRecord;
  parsed: TelemetryRecord | null;
  /** Set when the record goes to the dead-letter sink. */
  rejection: Rejection | null;
  /** A point failed in a way that may pass next time: deliver the record again. */
  retry: boolean;
}

/**
 * Stores a batch of telemetry stream records, one message each, and says which to deliver again.
 * 1. Decode each record (UTF-8 JSON) and validate it against `TelemetryRecordSchema`; turn it
 *    into one point per section. A contract violation (not JSON, bad field, unstorable name,
 *    too many measures) marks the message for the dead-letter sink with its issues: bad input
 *    never fails the batch.
 * 2. Group the points by thing (a chunk then shares its common attributes as far as it can)
 *    and cut them into full chunks of at most `store.maxPointsPerWrite` points; for a store
 *    that keeps a message in one record (Timestream), whole messages, at most
 *    `store.maxMessagesPerWrite` a chunk. A message too big for one write is dead-lettered.
 * 3. Write the chunks, a few at once. A point the store refuses for good sends its message to
 *    the dead-letter sink; a point refused as retryable, or a whole chunk whose write threw,
 *    fails its messages, which are delivered again (the stores overwrite identical points, so
 *    writing the other points again is harmless).
 * 4. Put the dead letters in one call; if the sink fails, those records are failed too, so a
 *    message is never lost without a trace.
 * 5. Return the failed record ids (for the partial batch response) and the counts.
 */
export function createIngestTelemetry(deps: IngestTelemetryDeps): IngestTelemetry {
  const { store, deadLetters } = deps;
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());
  const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);

  return async (records) => {
    // Step 1: parse; contract violations are set aside, never thrown.
    const states: RecordState[] = [];
    const owners: OwnedPoint<RecordState>[] = [];
    for (const record of records) {
      const state: RecordState = { record, parsed: null, rejection: null, retry: false };
      states.push(state);
      try {
        state.parsed = parseMessage(
          TelemetryRecordSchema,
          record.data,
          telemetryTopic(record.partitionKey),
        );
        const points = telemetryPoints(state.parsed);
        if (store.maxMessagesPerWrite !== undefined && points.length > store.maxPointsPerWrite) {
          state.rejection = {
            reason: `the message has ${points.length} sections; the store takes at most ${store.maxPointsPerWrite} in one write`,
            issues: [],
          };
          continue;
        }
        for (const point of points) owners.push({ point, message: state });
      } catch (error) {
        if (!(error instanceof ContractViolationError)) throw error;
        state.rejection = { reason: error.message, issues: [...error.issues] };
      }
    }

    // Step 2: one thing's points side by side (the stable sort keeps each thing's order and
    // each message's points together), then full chunks.
    owners.sort((a, b) =>
      a.point.thing < b.point.thing ? -1 : a.point.thing > b.point.thing ? 1 : 0,
    );
    const chunks = writeChunks(owners, store);

    // Step 3: write; rejections are mapped back to the message each point came from.
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          try {
            const { rejected } = await store.write(chunk.map(({ point }) => point));
            for (const rejection of rejected) {
              const owner = chunk[rejection.index];
              if (owner === undefined) continue;
              const { message: state, point } = owner;
              if (rejection.retryable) {
                state.retry = true;
              } else if (state.rejection === null) {
                state.rejection = {
                  reason: `the store refused section "${point.section}": ${rejection.reason}`,
                  issues: [],
                };
              }
            }
          } catch (error) {
            logger.error(
              { points: chunk.length, error: describeError(error) },
              "telemetry write failed; its records will be delivered again",
            );
            for (const { message } of chunk) message.retry = true;
          }
        }),
      ),
    );

    // Step 4: dead letters for what will not be retried (a retried record is judged again then).
    const at = clock().toISOString();
    const letters = states.filter((state) => state.rejection !== null && !state.retry);
    let deadLettered = 0;
    if (letters.length > 0) {
      try {
        await deadLetters.put(letters.map((state) => deadLetter(state, at)));
        deadLettered = letters.length;
        for (const state of letters) {
          logger.warn(
            {
              thing: state.parsed?.thing ?? state.record.partitionKey,
              sequenceNumber: state.record.id,
              reason: state.rejection?.reason,
            },
            "telemetry message dead-lettered",
          );
        }
      } catch (error) {
        logger.error(
          { letters: letters.length, error: describeError(error) },
          "dead-letter sink failed; its records will be delivered again",
        );
        for (const state of letters) state.retry = true;
      }
    }

    // Step 5.
    const failedIds = states.filter((state) => state.retry).map((state) => state.record.id);
    const written = states.filter((state) => state.rejection === null && !state.retry).length;
    const result = { failedIds, written, deadLettered, writeCalls: chunks.length };
    logger.info(
      {
        records: records.length,
        written,
        deadLettered,
        failed: failedIds.length,
        writeCalls: chunks.length,
      },
      "telemetry batch ingested",
    );
    return result;
  };
}

function deadLetter(state: RecordState, at: string): DeadLetter {
  const { record, parsed, rejection } = state;
  const fields = parsed ?? ruleFields(record.data);
  return {
    reason: rejection?.reason ?? "",
    issues: rejection?.issues ?? [],
    thing: fields.thing,
    receivedAt: fields.receivedAt === null ? null : new Date(fields.receivedAt).toISOString(),
    payload: deadLetterPayload(record.data),
    source: { partitionKey: record.partitionKey, sequenceNumber: record.id },
    at,
  };
}

/** The rule's fields of a record that failed validation, when they are there and sound. */
function ruleFields(data: Uint8Array): { thing: string | null; receivedAt: number | null } {
  try {
    const json: unknown = JSON.parse(strictUtf8.decode(data));
    if (typeof json !== "object" || json === null) return { thing: null, receivedAt: null };
    const { thing, receivedAt } = json as Record<string, unknown>;
    return {
      thing: typeof thing === "string" ? thing : null,
      receivedAt:
        typeof receivedAt === "number" && Number.isSafeInteger(receivedAt) && receivedAt >= 0
          ? receivedAt
          : null,
    };
  } catch {
    return { thing: null, receivedAt: null };
  }
}
