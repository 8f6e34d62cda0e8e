import {
  AllowListTooLargeError,
  InvalidAllowListError,
  InvalidAppArtifactError,
  InvalidReleaseRequestError,
  InvalidStageNameError,
  MassRevocationError,
  ReleaseTargetNotFoundError,
  UnknownDeviceError,
  UnknownMeasureError,
} from "@fleet/core";
import {
  AwsAccessDeniedError,
  AwsCredentialsError,
  FleetIndexUnavailableError,
} from "@fleet/core/adapters/aws";
import { OperatorApiError, OperatorApiUnreachableError } from "@fleet/core/contracts";

/** An operator-facing failure: printed as one line on stderr, mapped to a non-zero exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "CliError";
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad flags or arguments (the conventional usage-error exit code). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = "UsageError";
  }
}

/** The sandbox the command targets is not running or not reachable. */
export class SandboxUnavailableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { exitCode: 3, ...options });
    this.name = "SandboxUnavailableError";
  }
}

/**
 * Operations whose refusal by the sandbox (4xx) is about what the operator gave (a file, a
 * release's targets), as the same refusals raised on a stage are (InvalidAllowListError,
 * ReleaseTargetNotFoundError, ...).
 */
const OPERATOR_INPUT_OPERATIONS = new Set([
  "uploadAllowList",
  "createRelease",
  // A misspelt --device or --measure (UnknownDeviceError, UnknownMeasureError on a stage).
  "queryTelemetry",
  "listMeasures",
]);

/** The one place failures become exit codes: 2 usage, 3 sandbox down, 4 AWS access, 1 other. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof OperatorApiUnreachableError) return 3;
  if (error instanceof OperatorApiError) {
    const refused = error.status >= 400 && error.status < 500;
    return refused && OPERATOR_INPUT_OPERATIONS.has(error.operation) ? 2 : 1;
  }
  if (
    error instanceof InvalidStageNameError ||
    error instanceof InvalidAllowListError ||
    error instanceof AllowListTooLargeError ||
    error instanceof InvalidAppArtifactError ||
    error instanceof InvalidReleaseRequestError ||
    error instanceof ReleaseTargetNotFoundError ||
    error instanceof UnknownDeviceError ||
    error instanceof UnknownMeasureError ||
    error instanceof MassRevocationError
  ) {
    return 2;
  }
  if (
    error instanceof AwsCredentialsError ||
    error instanceof AwsAccessDeniedError ||
    error instanceof FleetIndexUnavailableError
  ) {
    return 4;
  }
  return 1;
}
