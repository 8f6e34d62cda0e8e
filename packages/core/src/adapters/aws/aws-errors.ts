import { AwsAccessDeniedError, AwsCredentialsError } from "./aws-error-types.ts";

/** An AWS service as operators meet it: its name, and the prefix of its IAM actions. */
export interface AwsService {
  label: string;
  iamPrefix: string;
}

export const IOT_SERVICE: AwsService = { label: "AWS IoT", iamPrefix: "iot" };
export const S3_SERVICE: AwsService = { label: "Amazon S3", iamPrefix: "s3" };
export const DYNAMODB_SERVICE: AwsService = { label: "Amazon DynamoDB", iamPrefix: "dynamodb" };
export const ACM_PCA_SERVICE: AwsService = { label: "AWS Private CA", iamPrefix: "acm-pca" };
export const TIMESTREAM_SERVICE: AwsService = {
  label: "Amazon Timestream",
  iamPrefix: "timestream",
};
export const SQS_SERVICE: AwsService = { label: "Amazon SQS", iamPrefix: "sqs" };
export const CLOUDWATCH_LOGS_SERVICE: AwsService = {
  label: "Amazon CloudWatch Logs",
  iamPrefix: "logs",
};

// IoT answers UnauthorizedException, S3 `AccessDenied`, the JSON services AccessDeniedException.
const ACCESS_DENIED = new Set(["AccessDeniedException", "UnauthorizedException", "AccessDenied"]);
const NO_CREDENTIALS = new Set(["CredentialsProviderError", "TokenProviderError"]);

/** Turns the SDK errors an operator can act on into typed errors; others pass through. */
export function mapAwsError(service: AwsService, operation: string, error: unknown): unknown {
  const name = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (name !== undefined && ACCESS_DENIED.has(name)) {
    return new AwsAccessDeniedError(
      `${service.label} refused ${operation} (${name}: ${detail}): use credentials of the stage's account whose IAM policy allows ${service.iamPrefix}:${operation}`,
      { operation, cause: error },
    );
  }
  if (name !== undefined && NO_CREDENTIALS.has(name)) {
    return new AwsCredentialsError(
      `no AWS credentials could be loaded (${detail}): configure the stage's AWS profile (e.g. aws sso login --profile fleet-<stage>) or set AWS_PROFILE`,
      { cause: error },
    );
  }
  return error;
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Sends one AWS call, mapping its failure with mapAwsError. */
export async function callAws<T>(
  service: AwsService,
  operation: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw mapAwsError(service, operation, error);
  }
}
