import type { JobExecutionStatus } from "@fleet/core/contracts";
import { isTerminal } from "./job-execution-state-machine.ts";
import type { AbortCriterion, JobExecutionRecord } from "./job-state.ts";

const FAILURES: Record<AbortCriterion["failureType"], readonly JobExecutionStatus[]> = {
  FAILED: ["FAILED"],
  REJECTED: ["REJECTED"],
  TIMED_OUT: ["TIMED_OUT"],
  ALL: ["FAILED", "REJECTED", "TIMED_OUT"],
};

const VERBS: Record<AbortCriterion["failureType"], string> = {
  FAILED: "failed",
  REJECTED: "were rejected",
  TIMED_OUT: "timed out",
  ALL: "failed, were rejected or timed out",
};

/**
 * The first abort criterion the executions cross, as the job's cancel reason: at least
 * `minNumberOfExecutedThings` executions finished (a terminal status) and at least
 * `thresholdPercentage` of those finished in one of the criterion's failure statuses.
 * `reasonCode` is the criterion's failure type; `comment` says what crossed it.
 */
export function crossedAbortCriterion(
  criteria: readonly AbortCriterion[],
  executions: readonly JobExecutionRecord[],
): { reasonCode: string; comment: string } | undefined {
  const executed = executions.filter((e) => isTerminal(e.status));
  for (const criterion of criteria) {
    if (executed.length === 0 || executed.length < criterion.minNumberOfExecutedThings) continue;
    const failed = executed.filter((e) => FAILURES[criterion.failureType].includes(e.status));
    if (
      failed.length > 0 &&
      (failed.length / executed.length) * 100 >= criterion.thresholdPercentage
    ) {
      return {
        reasonCode: criterion.failureType,
        comment: `Job aborted by abort criterion ${criterion.failureType}: ${failed.length} of ${executed.length} executions ${VERBS[criterion.failureType]} (threshold ${criterion.thresholdPercentage}%, at least ${criterion.minNumberOfExecutedThings} executed)`,
      };
    }
  }
  return undefined;
}
