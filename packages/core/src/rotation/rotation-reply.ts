import type { z } from "zod";
import type {
  RotationCommitAccepted,
  RotationCsrAccepted,
  RotationErrorCode,
  RotationRejected,
} from "../contracts/rotation.ts";
import type { RotationRecord, RotationStore } from "../ports/rotation-store.ts";

/** What the backend publishes in answer to a rotation request, and on which topic. */
export type RotationReply<Accepted> =
  | { outcome: "accepted"; topic: string; payload: Accepted }
  | { outcome: "rejected"; topic: string; payload: RotationRejected };

export type RotationCsrReply = RotationReply<RotationCsrAccepted>;
export type RotationCommitReply = RotationReply<RotationCommitAccepted>;

/** A rotation request as the topic rule delivers it. */
export interface RotationRequest {
  /** `topic(2)`: the thing the request topic names. */
  thing: string;
  /** `principal()`: the id of the certificate the request was published over. */
  principal: string;
  /** The request's JSON, still to be validated. */
  payload: unknown;
}

export function rejected(
  topic: string,
  rotationId: string | null,
  errorCode: RotationErrorCode,
  errorMessage: string,
): { outcome: "rejected"; topic: string; payload: RotationRejected } {
  return { outcome: "rejected", topic, payload: { rotationId, errorCode, errorMessage } };
}

/** The rotation id of a payload that failed validation, when it names a usable one. */
export function claimedRotationId(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const id = (payload as { rotationId?: unknown }).rotationId;
  return typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

type RejectedReply = ReturnType<typeof rejected>;

/**
 * What every rotation request starts with: a valid payload (`InvalidRequest`) naming a
 * rotation of the requesting thing (`UnknownRotation`) that is still open (`AlreadyCommitted`,
 * `RotationExpired`). Rejections are answered on `topic`.
 */
export async function openRotationRequest<Payload extends { rotationId: string }>(
  rotations: RotationStore,
  request: RotationRequest,
  schema: z.ZodType<Payload>,
  topic: string,
): Promise<{ payload: Payload; record: RotationRecord } | { rejection: RejectedReply }> {
  const parsed = schema.safeParse(request.payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    return {
      rejection: rejected(
        topic,
        claimedRotationId(request.payload),
        "InvalidRequest",
        issues.join("; "),
      ),
    };
  }
  const { rotationId } = parsed.data;
  const record = await rotations.get(rotationId);
  if (record === null || record.thingName !== request.thing) {
    return {
      rejection: rejected(
        topic,
        rotationId,
        "UnknownRotation",
        `no rotation ${rotationId} for ${request.thing}`,
      ),
    };
  }
  if (record.step === "committed") {
    return {
      rejection: rejected(
        topic,
        rotationId,
        "AlreadyCommitted",
        "the rotation is already committed",
      ),
    };
  }
  if (record.step === "timed-out" || record.step === "failed") {
    return {
      rejection: rejected(
        topic,
        rotationId,
        "RotationExpired",
        `the rotation ended: ${record.step}`,
      ),
    };
  }
  return { payload: parsed.data, record };
}
