import type { ContractIssue } from "../contracts/contract-errors.ts";
import { FleetError } from "../errors.ts";

/** What is wrong with an application artifact (`fleet ota release --artifact FILE`). */
export type AppArtifactProblem =
  | "too-large"
  | "not-gzip"
  | "not-tar"
  | "no-manifest"
  | "invalid-manifest";

/**
 * An application artifact that cannot be released: over the size limit, not a gzip-compressed
 * tar, without `app.json` at its root, or with a manifest that breaks its schema (`issues`).
 */
export class InvalidAppArtifactError extends FleetError {
  readonly file: string;
  readonly problem: AppArtifactProblem;
  /** The manifest's failing fields (`invalid-manifest`); empty otherwise. */
  readonly issues: readonly ContractIssue[];

  constructor(
    message: string,
    options: {
      file: string;
      problem: AppArtifactProblem;
      issues?: readonly ContractIssue[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "InvalidAppArtifactError";
    this.file = options.file;
    this.problem = options.problem;
    this.issues = options.issues ?? [];
  }
}

/** Release targets that are neither a thing group nor a thing. */
export class ReleaseTargetNotFoundError extends FleetError {
  readonly names: readonly string[];

  constructor(message: string, options: { names: readonly string[]; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ReleaseTargetNotFoundError";
    this.names = options.names;
  }
}

/** A release record created under an id that already exists. */
export class ReleaseAlreadyExistsError extends FleetError {
  readonly releaseId: string;

  constructor(message: string, options: { releaseId: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ReleaseAlreadyExistsError";
    this.releaseId = options.releaseId;
  }
}

/** A release request with a field out of range, e.g. an abort percentage above 100. */
export class InvalidReleaseRequestError extends FleetError {
  readonly field: string;

  constructor(message: string, options: { field: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "InvalidReleaseRequestError";
    this.field = options.field;
  }
}
