import { type ContractIssue, ContractViolationError } from "../contracts/contract-errors.ts";
import type { TelemetryRecord } from "../contracts/telemetry-rule.ts";
import { telemetryTopic } from "../contracts/topics.ts";
import type { TelemetryPoint } from "../ports/telemetry-store.ts";
import { collectMeasures, measureNameProblem } from "./flatten-measures.ts";

/**
 * Timestream: at most 256 measures in one MULTI record. A message's sections share one record
 * when they fit; a section never spans two, so it holds at most this many.
 */
export const MAX_MEASURES_PER_POINT = 256;

/** Message keys that describe the reading rather than hold a section. */
const ENVELOPE_KEYS = new Set(["schemaVersion", "seq", "deviceTime"]);

/**
 * One point per top-level section of the message (heartbeat, system, led, vehicle, ...), all
 * with the message's device time, seq and receive time. Sections that flatten to nothing are
 * left out: a record without measures is not a record in any store.
 *
 * @throws ContractViolationError (on the message's topic) naming every unstorable measure and
 *   every section over `MAX_MEASURES_PER_POINT`.
 */
export function telemetryPoints(record: TelemetryRecord): TelemetryPoint[] {
  const { thing, message } = record;
  const time = new Date(message.deviceTime);
  const receivedAt = new Date(record.receivedAt);
  const points: TelemetryPoint[] = [];
  const issues: ContractIssue[] = [];
  for (const [section, value] of Object.entries(message)) {
    if (ENVELOPE_KEYS.has(section) || value === undefined) continue;
    const sectionProblem = measureNameProblem(section);
    if (sectionProblem !== null) {
      issues.push({ path: section, message: sectionProblem });
      continue;
    }
    if (typeof value !== "object" || value === null) {
      issues.push({ path: section, message: "expected a section object" });
      continue;
    }
    const flattened = collectMeasures(value);
    issues.push(
      ...flattened.issues.map((issue) => ({ ...issue, path: `${section}.${issue.path}` })),
    );
    const count = Object.keys(flattened.measures).length;
    if (count > MAX_MEASURES_PER_POINT) {
      issues.push({
        path: section,
        message: `a section holds at most ${MAX_MEASURES_PER_POINT} measures, got ${count}`,
      });
    } else if (count > 0) {
      points.push({
        thing,
        section,
        time,
        receivedAt,
        seq: message.seq,
        measures: flattened.measures,
      });
    }
  }
  if (issues.length > 0) throw ContractViolationError.invalidContent(telemetryTopic(thing), issues);
  return points;
}
