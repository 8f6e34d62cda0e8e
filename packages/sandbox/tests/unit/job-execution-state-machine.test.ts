import type { UpdateJobExecutionRequest } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { JobsRequestRejectedError } from "../../src/errors.ts";
import {
  comparePending,
  startExecution,
  updateExecution,
} from "../../src/jobs/job-execution-state-machine.ts";
import type { JobExecutionRecord } from "../../src/jobs/job-state.ts";

const queued: JobExecutionRecord = {
  jobId: "job-1",
  thingName: "SN-0001",
  status: "QUEUED",
  versionNumber: 1,
  executionNumber: 1,
  queuedAt: 100,
  lastUpdatedAt: 100,
};

function rejection(run: () => unknown): JobsRequestRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof JobsRequestRejectedError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

const update = (status: UpdateJobExecutionRequest["status"], extra = {}) => ({ status, ...extra });

describe("job execution state machine", () => {
  it("starts a queued execution: IN_PROGRESS, one version up, started now, details taken", () => {
    expect(startExecution(queued, { step: "download" }, 200)).toEqual({
      ...queued,
      status: "IN_PROGRESS",
      statusDetails: { step: "download" },
      versionNumber: 2,
      startedAt: 200,
      lastUpdatedAt: 200,
    });
  });

  it("leaves an execution already in progress as it is on start-next", () => {
    const running = startExecution(queued, undefined, 200);
    expect(startExecution(running, { step: "other" }, 300)).toBe(running);
  });

  it("moves an in-progress execution to SUCCEEDED, replacing its status details", () => {
    const running = startExecution(queued, { step: "download" }, 200);
    expect(
      updateExecution(running, update("SUCCEEDED", { statusDetails: { step: "done" } }), 300),
    ).toMatchObject({ status: "SUCCEEDED", statusDetails: { step: "done" }, versionNumber: 3 });
  });

  it("lets a device finish or refuse a queued execution without starting it", () => {
    expect(updateExecution(queued, update("REJECTED"), 200).status).toBe("REJECTED");
    expect(updateExecution(queued, update("FAILED"), 200).status).toBe("FAILED");
  });

  it.each(["SUCCEEDED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT", "REMOVED"] as const)(
    "refuses any change once the execution is %s, sending the current state",
    (status) => {
      const done: JobExecutionRecord = { ...queued, status, versionNumber: 4 };
      const error = rejection(() => updateExecution(done, update("IN_PROGRESS"), 300));
      expect(error.code).toBe("InvalidStateTransition");
      expect(error.executionState).toEqual({ status, versionNumber: 4 });
    },
  );

  it("refuses an update whose expectedVersion is not the stored version", () => {
    const error = rejection(() =>
      updateExecution(queued, update("IN_PROGRESS", { expectedVersion: 7 }), 200),
    );
    expect(error.code).toBe("VersionMismatch");
    expect(error.executionState).toEqual({ status: "QUEUED", versionNumber: 1 });
    expect(
      updateExecution(queued, update("IN_PROGRESS", { expectedVersion: 1 }), 200).versionNumber,
    ).toBe(2);
  });

  it("refuses an update naming another execution number", () => {
    expect(
      rejection(() => updateExecution(queued, update("IN_PROGRESS", { executionNumber: 2 }), 200))
        .code,
    ).toBe("ResourceNotFound");
  });

  it("orders pending executions in progress first, then oldest queued first", () => {
    const older = { ...queued, jobId: "older", queuedAt: 50 };
    const running = { ...queued, jobId: "running", status: "IN_PROGRESS" as const, queuedAt: 500 };
    expect([queued, running, older].sort(comparePending).map((e) => e.jobId)).toEqual([
      "running",
      "older",
      "job-1",
    ]);
  });
});
