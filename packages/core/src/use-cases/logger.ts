/**
 * The logging the use cases need: pino-compatible (object first, then message), so the sandbox
 * passes its pino logger and a Lambda handler an adapter over Powertools.
 */
export interface UseCaseLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Default when no logger is given: the use cases' results already carry what matters. */
export const silentLogger: UseCaseLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** An error as one line for reasons and summaries: `ThrottlingException: Rate exceeded`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}
