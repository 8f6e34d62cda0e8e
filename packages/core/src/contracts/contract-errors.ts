import { FleetError } from "../errors.ts";

/** One reason a message broke its contract: where in the payload, and what was expected. */
export interface ContractIssue {
  /** Failing field, e.g. `heartbeat.reconnects` or `statusDetails["a b"]`; "" for the payload. */
  path: string;
  message: string;
}

/**
 * A message (MQTT payload, API body) that is not valid JSON or does not match its schema.
 * Maps to `/rejected` replies such as the Jobs `InvalidJson` / `InvalidRequest` codes.
 */
export class ContractViolationError extends FleetError {
  /** Topic or other place the message came from. */
  readonly where: string;
  /** `invalid-json`: not UTF-8 JSON at all; `invalid-content`: JSON that breaks the schema. */
  readonly kind: "invalid-json" | "invalid-content";
  readonly issues: readonly ContractIssue[];

  constructor(
    message: string,
    options: {
      where: string;
      kind: "invalid-json" | "invalid-content";
      issues: readonly ContractIssue[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ContractViolationError";
    this.where = options.where;
    this.kind = options.kind;
    this.issues = options.issues;
  }

  /** A schema mismatch, its message naming every failing field path and what was expected. */
  static invalidContent(
    where: string,
    issues: readonly ContractIssue[],
    cause?: unknown,
  ): ContractViolationError {
    const details = issues
      .map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`))
      .join("; ");
    return new ContractViolationError(`Invalid message on ${where}: ${details}`, {
      where,
      kind: "invalid-content",
      issues,
      cause,
    });
  }
}

/** A stage name that SST, and the AWS resource names built from it, would not accept. */
export class InvalidStageNameError extends FleetError {
  readonly stage: string;

  constructor(message: string, options: { stage: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "InvalidStageNameError";
    this.stage = options.stage;
  }
}

/**
 * JSON nested deeper than its reader allows, refused before it was parsed: a small document of
 * brackets would otherwise cost memory in the parser and overflow the stack of whatever walks
 * the result recursively (JSON.stringify, loggers, schema checks).
 */
export class JsonTooDeepError extends FleetError {
  readonly maxDepth: number;
  /** 1-based line and column of the bracket that went one level too deep. */
  readonly line: number;
  readonly column: number;

  constructor(fields: { maxDepth: number; line: number; column: number }) {
    super(
      `JSON nested deeper than ${fields.maxDepth} levels at line ${fields.line}, column ${fields.column}`,
    );
    this.name = "JsonTooDeepError";
    this.maxDepth = fields.maxDepth;
    this.line = fields.line;
    this.column = fields.column;
  }
}

/**
 * An app artifact's signature is absent or does not verify with the release key: the device
 * refuses the update with `code` as the execution's errorCode.
 */
export class ArtifactSignatureError extends FleetError {
  readonly code: "SignatureMissing" | "SignatureInvalid";

  constructor(
    message: string,
    options: { code: "SignatureMissing" | "SignatureInvalid"; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "ArtifactSignatureError";
    this.code = options.code;
  }
}

/** A release key (PEM) that cannot be read or is not an Ed25519 key. */
export class ReleaseKeyError extends FleetError {
  /** The file (or other place) the key came from. */
  readonly source: string;

  constructor(message: string, options: { source: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ReleaseKeyError";
    this.source = options.source;
  }
}
