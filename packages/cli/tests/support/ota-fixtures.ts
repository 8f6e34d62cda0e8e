// Releases and jobs as the sandbox API and the stage adapters return them.
import type { JobDetail, JobSummary, ReleaseRecord } from "@fleet/core/contracts";

export const SHA256 = "ab".repeat(32);

export const RELEASE: ReleaseRecord = {
  releaseId: "led-1_0_0-1795000000",
  app: "led",
  version: "1.0.0",
  sha256: SHA256,
  size: 2048,
  artifactKey: `apps/led/1.0.0/${SHA256}.tar.gz`,
  targets: [{ kind: "group", name: "fleet" }],
  canaryGroup: "canary",
  abortFailurePct: 10,
  phase: "canary",
  canaryJobId: "led-1_0_0-1795000000-canary",
  fleetJobId: null,
  reason: null,
  createdAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
};

export const JOB: JobSummary = {
  jobId: "led-1_0_0-1795000000-canary",
  status: "IN_PROGRESS",
  description: "release led 1.0.0 (canary)",
  reasonCode: null,
  comment: null,
  counts: {
    queued: 1,
    inProgress: 1,
    succeeded: 3,
    failed: 2,
    rejected: 0,
    timedOut: 0,
    canceled: 0,
    removed: 0,
  },
  createdAt: "2026-11-21T10:00:01.000Z",
  completedAt: null,
};

export const JOB_DETAIL: JobDetail = {
  ...JOB,
  document: { version: "1", steps: [{ operation: "app-update", app: "led", version: "1.0.0" }] },
  executions: [
    {
      thingName: "10000000a1b2c3d4",
      status: "IN_PROGRESS",
      statusDetails: { step: "1/1", operation: "app-update", phase: "download", progress: "40%" },
      lastUpdatedAt: "2026-11-21T10:00:05.000Z",
    },
    {
      thingName: "10000000a1b2c3d5",
      status: "FAILED",
      statusDetails: { reason: "health check failed: exited 1; rolled back to 0.9.0" },
      lastUpdatedAt: "2026-11-21T10:00:09.000Z",
    },
  ],
};
