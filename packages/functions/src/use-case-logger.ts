import type { Logger } from "@aws-lambda-powertools/logger";
import type { UseCaseLogger } from "@fleet/core";

/** The use cases log pino-style (fields, then message); Powertools takes the message first. */
export function useCaseLogger(logger: Logger): UseCaseLogger {
  return {
    info: (fields, message) => logger.info(message, fields),
    warn: (fields, message) => logger.warn(message, fields),
    error: (fields, message) => logger.error(message, fields),
  };
}
