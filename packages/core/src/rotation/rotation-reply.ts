import type {
  RotationCommitAccepted,
  RotationCsrAccepted,
  RotationErrorCode,
  RotationRejected,
} from "../contracts/rotation.ts";

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
