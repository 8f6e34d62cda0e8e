import { type Logger, pino } from "pino";

/** A pino logger whose JSON lines are kept in memory for assertions. */
export function createCaptureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => written.push(line) });
  return { logger, lines: () => written.map((line) => JSON.parse(line)) };
}
