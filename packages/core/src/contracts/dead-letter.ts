import * as z from "zod";

/**
 * A dead letter as stores and APIs carry it (SQS message bodies, the sandbox API): the shape
 * of the `DeadLetter` port type, for readers that must check what they are given.
 */
export const DeadLetterSchema = z.object({
  reason: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  thing: z.string().nullable(),
  receivedAt: z.string().nullable(),
  payload: z.string(),
  source: z.object({ partitionKey: z.string(), sequenceNumber: z.string() }),
  at: z.string(),
});

/**
 * Most bytes of a dead letter's `payload`, counted in UTF-8 as AWS counts a message's size:
 * every letter fits in one SQS message (256 KiB) with room for its reason and issues.
 */
export const DEAD_LETTER_PAYLOAD_MAX_BYTES = 64 * 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * A record's data as a dead letter's `payload`: UTF-8 text (base64 when it is not UTF-8), cut
 * to `DEAD_LETTER_PAYLOAD_MAX_BYTES` bytes of UTF-8.
 */
export function deadLetterPayload(data: Uint8Array): string {
  try {
    strictUtf8.decode(data);
  } catch {
    return Buffer.from(data).toString("base64").slice(0, DEAD_LETTER_PAYLOAD_MAX_BYTES);
  }
  if (data.length <= DEAD_LETTER_PAYLOAD_MAX_BYTES) return lenientUtf8.decode(data);
  // Cutting may split a character: drop its remains rather than keep a replacement character.
  return lenientUtf8.decode(data.subarray(0, DEAD_LETTER_PAYLOAD_MAX_BYTES)).replace(/\uFFFD$/, "");
}
