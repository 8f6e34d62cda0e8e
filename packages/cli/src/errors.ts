import {
  InvalidAppArtifactError,
  InvalidReleaseRequestError,
  InvalidStageNameError,
  ReleaseTargetNotFoundError,
} from "@fleet/core";
import {
  AwsAccessDeniedError,
  AwsCredentialsError,
  FleetIndexUnavailableError,
} from "@fleet/core/adapters/aws";

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

/** The one place failures become exit codes: 2 usage, 3 sandbox down, 4 AWS access, 1 other. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (
    error instanceof InvalidStageNameError ||
    error instanceof InvalidAppArtifactError ||
    error instanceof InvalidReleaseRequestError ||
    error instanceof ReleaseTargetNotFoundError
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
