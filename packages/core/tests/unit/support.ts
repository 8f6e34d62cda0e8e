import { readFileSync } from "node:fs";
import { ContractViolationError } from "../../src/contracts/contract-errors.ts";

/** Raw bytes of a payload fixture, as a device or the sandbox receives it from the broker. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A fixture parsed to a plain object, to derive invalid variants from. */
export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name).toString("utf8"));
}

/** The ContractViolationError `parse` throws; fails the test on any other outcome. */
export function violation(parse: () => unknown): ContractViolationError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ContractViolationError) return error;
    throw error;
  }
  throw new Error("expected a ContractViolationError, but the message was accepted");
}
