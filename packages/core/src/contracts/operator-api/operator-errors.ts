import { FleetError } from "../../errors.ts";

/**
 * An operation refused because what it names does not exist. The sandbox API answers every
 * subclass with 404, so a new operation's errors need no new mapping.
 */
export class OperationTargetNotFoundError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OperationTargetNotFoundError";
  }
}

/** An operation refused because of the state what it names is in (409 from the sandbox API). */
export class OperationConflictError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OperationConflictError";
  }
}

/** `fleet jobs cancel` of a job the target does not hold. */
export class JobNotFoundError extends OperationTargetNotFoundError {
  readonly jobId: string;
  constructor(jobId: string, options?: { cause?: unknown }) {
    super(`job ${jobId} does not exist`, options);
    this.name = "JobNotFoundError";
    this.jobId = jobId;
  }
}

/** `fleet jobs cancel` of a job that already ended, completed or canceled. */
export class JobNotCancelableError extends OperationConflictError {
  readonly jobId: string;
  readonly status: string;
  constructor(jobId: string, status: string, options?: { cause?: unknown }) {
    super(`job ${jobId} is ${status}: only a job in progress can be canceled`, options);
    this.name = "JobNotCancelableError";
    this.jobId = jobId;
    this.status = status;
  }
}

/** The operator API answered with an error status; `reason` is its `error` text. */
export class OperatorApiError extends FleetError {
  readonly operation: string;
  readonly status: number;
  readonly reason: string;
  constructor(operation: string, path: string, status: number, reason: string) {
    super(`sandbox API ${path} answered ${status}: ${reason}`);
    this.name = "OperatorApiError";
    this.operation = operation;
    this.status = status;
    this.reason = reason;
  }
}

/** The operator API sent a reply its route's schema refuses, or nothing it could read. */
export class OperatorApiReplyError extends FleetError {
  constructor(path: string, detail: string) {
    super(`sandbox API ${path} sent an unexpected reply: ${detail}`);
    this.name = "OperatorApiReplyError";
  }
}

/** The operator API could not be reached at all. */
export class OperatorApiUnreachableError extends FleetError {
  constructor(url: string, options?: { cause?: unknown }) {
    super(`sandbox API at ${url} is not reachable`, options);
    this.name = "OperatorApiUnreachableError";
  }
}

/** `fleet ota cancel|rollback` naming a release the target does not hold. */
export class ReleaseNotFoundError extends OperationTargetNotFoundError {
  readonly releaseId: string;
  constructor(releaseId: string, options?: { cause?: unknown }) {
    super(`release ${releaseId} does not exist`, options);
    this.name = "ReleaseNotFoundError";
    this.releaseId = releaseId;
  }
}

/** `fleet ota cancel|rollback` of a release in a phase that does not allow it. */
export class ReleaseConflictError extends OperationConflictError {
  readonly releaseId: string;
  readonly phase: string;
  constructor(releaseId: string, phase: string, detail: string, options?: { cause?: unknown }) {
    super(`release ${releaseId} is ${phase}: ${detail}`, options);
    this.name = "ReleaseConflictError";
    this.releaseId = releaseId;
    this.phase = phase;
  }
}

/** `fleet ota rollback` with no earlier version that reached the fleet. */
export class NothingToRollBackError extends OperationTargetNotFoundError {
  readonly app: string | null;
  constructor(app: string | null, detail: string) {
    super(`nothing to roll back${app === null ? "" : ` for ${app}`}: ${detail}`);
    this.name = "NothingToRollBackError";
    this.app = app;
  }
}

/** `fleet devices add-to-group|remove-from-group` naming a group or thing that does not exist. */
export class GroupMemberNotFoundError extends OperationTargetNotFoundError {
  readonly kind: "thing group" | "device";
  readonly resourceName: string;
  constructor(kind: "thing group" | "device", name: string) {
    super(`no ${kind} named ${name}`);
    this.name = "GroupMemberNotFoundError";
    this.kind = kind;
    this.resourceName = name;
  }
}
