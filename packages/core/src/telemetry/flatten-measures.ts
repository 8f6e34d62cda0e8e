import { type ContractIssue, ContractViolationError } from "../contracts/contract-errors.ts";
import type { MeasureValue } from "../ports/telemetry-store.ts";

/** Timestream: a measure name is at most 256 bytes (Quotas, "Measure name length"). */
export const MAX_MEASURE_NAME_BYTES = 256;

/**
 * Names the stores keep for themselves: Timestream's system columns and prefixes, the `thing`
 * dimension, and what the adapters write beside the measures (`seq`, the receive time).
 */
const RESERVED_MEASURE_NAMES = new Set([
  "time",
  "measure_name",
  "measure_value",
  "thing",
  "seq",
  "received_at",
  "received_at_ms",
]);
// Timestream: no column name may start with `ts_` or `measure_name` (Quotas, "System identifiers").
const RESERVED_MEASURE_PREFIXES = ["ts_", "measure_value", "measure_name"];

// A subset every store takes unquoted in its query language: Timestream forbids ':' and
// InfluxDB reserves a leading '_'; dots join the path, so they are allowed inside.
const MEASURE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

const utf8 = new TextEncoder();

/** Why `name` cannot be a measure (or section) name in every store, or null when it can. */
export function measureNameProblem(name: string): string | null {
  if (!MEASURE_NAME_PATTERN.test(name)) {
    return "a measure name starts with a letter and holds only letters, digits, '_', '-' and '.'";
  }
  if (utf8.encode(name).length > MAX_MEASURE_NAME_BYTES) {
    return `a measure name is at most ${MAX_MEASURE_NAME_BYTES} bytes`;
  }
  if (
    RESERVED_MEASURE_NAMES.has(name) ||
    RESERVED_MEASURE_PREFIXES.some((prefix) => name.startsWith(prefix))
  ) {
    return `"${name}" is reserved by the telemetry stores`;
  }
  return null;
}

export interface FlattenedMeasures {
  measures: Record<string, MeasureValue>;
  /** Leaves that cannot be stored, with their path inside the section. */
  issues: ContractIssue[];
}

/**
 * Walks a section depth first. Kept apart from `flattenMeasures` so a caller flattening several
 * sections can report every bad leaf of every section at once.
 */
export function collectMeasures(section: object): FlattenedMeasures {
  const measures: Record<string, MeasureValue> = {};
  const issues: ContractIssue[] = [];
  const visit = (value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value === "object") {
      const entries = Array.isArray(value)
        ? value.map((item, index) => [String(index), item] as const)
        : Object.entries(value);
      for (const [key, item] of entries) visit(item, path === "" ? key : `${path}.${key}`);
      return;
    }
    const problem = measureNameProblem(path);
    if (problem !== null) {
      issues.push({ path, message: problem });
    } else if (typeof value === "string" || typeof value === "boolean") {
      measures[path] = value;
    } else if (typeof value === "number" && Number.isFinite(value)) {
      measures[path] = value;
    } else {
      issues.push({
        path,
        message: `expected a finite number, a string or a boolean, got ${String(value)}`,
      });
    }
  };
  visit(section, "");
  return { measures, issues };
}

/**
 * A telemetry section as measures: nested objects become dotted names (`battery.soc`), array
 * items their index (`wheels.0.speed`); null and undefined are skipped (nothing to store).
 * Names are refused, never rewritten: a mangled name would silently split or merge series.
 *
 * @throws ContractViolationError naming each leaf whose name or value no store can keep.
 */
export function flattenMeasures(
  section: object,
  where = "a telemetry section",
): Record<string, MeasureValue> {
  const { measures, issues } = collectMeasures(section);
  if (issues.length > 0) throw ContractViolationError.invalidContent(where, issues);
  return measures;
}
