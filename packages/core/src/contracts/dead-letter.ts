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
