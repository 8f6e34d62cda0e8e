import {
  AllowListTooLargeError,
  InvalidAllowListError,
  InvalidAppArtifactError,
  InvalidReleaseRequestError,
  NoActiveCertificateError,
  ReleaseAlreadyExistsError,
  ReleaseTargetNotFoundError,
} from "@fleet/core";
import { OperationConflictError, OperationTargetNotFoundError } from "@fleet/core/contracts";
import {
  ApiRequestRefusedError,
  CommandTimeoutError,
  InvalidRequestError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
} from "../errors.ts";
import { QueryParameterError } from "./decode-request.ts";

export interface ErrorReply {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 500 | 504;
  body: { error: string } & Record<string, unknown>;
}

/**
 * The one place an error becomes the API's answer: its status and `{ error, ... }` body with
 * the fields a client needs to say what was wrong (`field`, `parameter`, `issues`, `names`).
 */
export function errorReply(error: Error): ErrorReply {
  const reply = (status: ErrorReply["status"], fields: Record<string, unknown> = {}) => ({
    status,
    body: { error: error.message, ...fields },
  });
  if (error instanceof ApiRequestRefusedError) return reply(error.status);
  if (error instanceof QueryParameterError) return reply(400, { parameter: error.parameter });
  if (error instanceof InvalidRequestError || error instanceof InvalidReleaseRequestError) {
    return reply(400, { field: error.field });
  }
  if (error instanceof InvalidAllowListError) {
    return reply(400, { issues: error.issues, duplicates: error.duplicates });
  }
  if (error instanceof InvalidAppArtifactError) {
    return reply(400, { file: error.file, issues: error.issues });
  }
  if (error instanceof ReleaseTargetNotFoundError) return reply(404, { names: error.names });
  if (error instanceof ResourceNotFoundError || error instanceof OperationTargetNotFoundError) {
    return reply(404);
  }
  if (
    error instanceof ResourceAlreadyExistsError ||
    error instanceof NoActiveCertificateError ||
    error instanceof ReleaseAlreadyExistsError ||
    error instanceof OperationConflictError
  ) {
    return reply(409);
  }
  if (error instanceof AllowListTooLargeError) return reply(413);
  if (error instanceof CommandTimeoutError) return reply(504);
  return reply(500);
}
