import { readFileSync } from "node:fs";
import type { Context } from "aws-lambda";
import type { MockInstance } from "vitest";

/** A sample event (or context) from tests/unit/fixtures, parsed afresh for each use. */
// biome-ignore lint/suspicious/noExplicitAny: fixtures are JSON samples of AWS events
export const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));

export const context: Context = {
  ...fixture("lambda-context"),
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

export interface EmfRecord {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/**
 * Powertools writes logs and EMF metrics as JSON lines, as in Lambda: metrics and info logs to
 * stdout, warnings and errors to stderr. Give the spies of both to see every log line.
 */
export function outputRecords(...spies: MockInstance[]): Record<string, unknown>[] {
  return spies
    .flatMap((spy) => spy.mock.calls)
    .map(([chunk]) => String(chunk))
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

export const emfRecords = (spy: MockInstance) =>
  outputRecords(spy).filter((record): record is EmfRecord => "_aws" in record);
export const logRecords = (...spies: MockInstance[]) =>
  outputRecords(...spies).filter((record) => !("_aws" in record));
