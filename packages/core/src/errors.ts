import type { AllowListDuplicate, AllowListIssue } from "./allow-list/parsed-allow-list.ts";

/** Base of every error the core raises; subclasses carry structured fields for mapping. */
export class FleetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FleetError";
  }
}

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

/** No AWS credentials could be loaded (no profile, expired SSO session, no environment keys). */
export class AwsCredentialsError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AwsCredentialsError";
  }
}

/** AWS refused an API call for the credentials in use. */
export class AwsAccessDeniedError extends FleetError {
  /** The AWS API operation that was refused, e.g. `SearchIndex`. */
  readonly operation: string;

  constructor(message: string, options: { operation: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "AwsAccessDeniedError";
    this.operation = options.operation;
  }
}

/**
 * The account's AWS IoT fleet index cannot answer: thing indexing or thing connectivity
 * indexing is off (`not-enabled`), or the index is still being built (`building`).
 */
export class FleetIndexUnavailableError extends FleetError {
  readonly reason: "not-enabled" | "building";

  constructor(message: string, options: { reason: "not-enabled" | "building"; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "FleetIndexUnavailableError";
    this.reason = options.reason;
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

/** An allow-list over the size limit, refused before it was parsed in full. */
export class AllowListTooLargeError extends FleetError {
  readonly maxBytes: number;
  /** The declared size, when the store knew it; undefined when reading was stopped at the limit. */
  readonly actualBytes: number | undefined;

  constructor(
    message: string,
    options: { maxBytes: number; actualBytes?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "AllowListTooLargeError";
    this.maxBytes = options.maxBytes;
    this.actualBytes = options.actualBytes;
  }
}

/**
 * An allow-list that must not be applied: lines that are not serials, or an empty list that
 * was not confirmed as intended (it would revoke every device).
 */
export class InvalidAllowListError extends FleetError {
  /** Where the list came from: a file path, `s3://bucket/key (version v)`, ... */
  readonly source: string;
  readonly issues: readonly AllowListIssue[];
  /** Reported for context; duplicates alone never make a list invalid. */
  readonly duplicates: readonly AllowListDuplicate[];

  constructor(
    message: string,
    options: {
      source: string;
      issues: readonly AllowListIssue[];
      duplicates: readonly AllowListDuplicate[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "InvalidAllowListError";
    this.source = options.source;
    this.issues = options.issues;
    this.duplicates = options.duplicates;
  }
}

/**
 * A telemetry store (Timestream for InfluxDB) failed a whole call: unreachable, throttling,
 * failing, or refusing the token or bucket. The ingest retries the records of such a call.
 */
export class TelemetryStoreError extends FleetError {
  readonly operation: string;
  /** HTTP status of the store's answer; undefined when it did not answer. */
  readonly status: number | undefined;

  constructor(message: string, options: { operation: string; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "TelemetryStoreError";
    this.operation = options.operation;
    this.status = options.status;
  }
}

/** Dead letters the sink could not deliver even after a retry: the caller must not drop them. */
export class DeadLetterDeliveryError extends FleetError {
  /** One entry per undelivered letter: the queue's error code and whether the request was at fault. */
  readonly failures: readonly { code: string; message: string; senderFault: boolean }[];

  constructor(
    message: string,
    options: {
      failures: readonly { code: string; message: string; senderFault: boolean }[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "DeadLetterDeliveryError";
    this.failures = options.failures;
  }
}

/** A thing already has a rotation in progress: never two rotations per device. */
export class RotationAlreadyActiveError extends FleetError {
  readonly thingName: string;

  constructor(message: string, options: { thingName: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "RotationAlreadyActiveError";
    this.thingName = options.thingName;
  }
}

/** A rotation update lost its compare-and-set: the record is unknown or at another step. */
export class RotationStepConflictError extends FleetError {
  readonly rotationId: string;
  readonly expectedStep: string;

  constructor(
    message: string,
    options: { rotationId: string; expectedStep: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "RotationStepConflictError";
    this.rotationId = options.rotationId;
    this.expectedStep = options.expectedStep;
  }
}

/**
 * The CA did not issue a certificate: `invalid-csr` when it refused the request itself
 * (malformed CSR, unsupported key: the device is at fault), `timed-out` when it did not sign in
 * time, `failed` for any other failure (the backend is at fault).
 */
export class CertificateIssueError extends FleetError {
  readonly reason: "invalid-csr" | "timed-out" | "failed";

  constructor(
    message: string,
    options: { reason: "invalid-csr" | "timed-out" | "failed"; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "CertificateIssueError";
    this.reason = options.reason;
  }
}

/**
 * What is wrong with a device's CSR: not a PKCS#10 request whose signature verifies, or one the
 * CA refuses (`invalid-csr`); a key weaker than the fleet accepts (`weak-key`); a subject that
 * does not name exactly one valid serial (`invalid-subject`).
 */
export type CsrProblem = "invalid-csr" | "weak-key" | "invalid-subject";

/**
 * A device's provisioning CSR the backend will not have signed: the device is at fault. Maps to
 * the CreateCertificateFromCsr rejection (the sandbox's 400 `InvalidCSR`; on a stage, the
 * certificate provider's failure).
 */
export class CsrRefusedError extends FleetError {
  readonly problem: CsrProblem;

  constructor(message: string, options: { problem: CsrProblem; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "CsrRefusedError";
    this.problem = options.problem;
  }
}

/** A rotation was asked for a thing that has no ACTIVE certificate (unknown or disabled). */
export class NoActiveCertificateError extends FleetError {
  readonly thingName: string;

  constructor(message: string, options: { thingName: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "NoActiveCertificateError";
    this.thingName = options.thingName;
  }
}

/**
 * A rotation was asked for a thing with several ACTIVE certificates and no word on which one
 * the device connects with: rotating a guess could retire the device's own certificate and keep
 * another holder's. A kind of `NoActiveCertificateError`: no single certificate to rotate.
 */
export class SeveralActiveCertificatesError extends NoActiveCertificateError {
  readonly certificateIds: readonly string[];

  constructor(
    message: string,
    options: { thingName: string; certificateIds: readonly string[]; cause?: unknown },
  ) {
    super(message, options);
    this.name = "SeveralActiveCertificatesError";
    this.certificateIds = options.certificateIds;
  }
}

/** A control-plane rate limit that is not a positive whole number of calls per second. */
export class InvalidRateLimitError extends FleetError {
  readonly callsPerSecond: number;

  constructor(callsPerSecond: number, options?: { cause?: unknown }) {
    super(
      `Invalid control-plane rate limit ${callsPerSecond}: expected a whole number of calls per second, at least 1`,
      options,
    );
    this.name = "InvalidRateLimitError";
    this.callsPerSecond = callsPerSecond;
  }
}

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
