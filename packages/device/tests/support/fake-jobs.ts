import { jobsTopics, StatusDetailsSchema } from "@fleet/core/contracts";
import { createJobsAgent } from "../../src/jobs/jobs-agent.ts";
import type { StepHandlers } from "../../src/jobs/step-handler.ts";
import { createCaptureLogger } from "./capture-logger.ts";
import { createFakeSessions, type FakeSession } from "./fake-sessions.ts";
import { createFakeTime } from "./fake-time.ts";
import { createTestConnection } from "./test-connection.ts";

export interface FakeExecution {
  jobId: string;
  jobDocument: unknown;
  status: string;
}

export interface RecordedUpdate {
  jobId: string;
  status: string;
  statusDetails: Record<string, string>;
}

const TERMINAL = ["SUCCEEDED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT", "REMOVED"];

/**
 * AWS IoT Jobs on fake sessions: start-next hands out the first execution of `queue` that is
 * not terminal (marking it IN_PROGRESS); updates are accepted and recorded, except those of a
 * terminal execution (e.g. `cancel`ed), rejected with InvalidStateTransition as AWS does, and
 * those whose statusDetails break AWS's limits (a control character, ...), rejected with
 * InvalidRequest and counted in `refused`. The queue outlives
 * a device, so a test restarts the device with `boot` again and the job comes back.
 */
export function createFakeJobs(thingName: string) {
  const topics = jobsTopics(thingName);
  const queue: FakeExecution[] = [];
  const updates: RecordedUpdate[] = [];
  const refused: RecordedUpdate[] = [];
  const pending = () => queue.find((e) => e.status === "QUEUED" || e.status === "IN_PROGRESS");

  const onPublish = (session: FakeSession, topic: string, payload: string) => {
    const body = JSON.parse(payload) as Record<string, unknown>;
    if (topic === topics.startNext) {
      const next = pending();
      if (next) next.status = "IN_PROGRESS";
      const execution = next && {
        jobId: next.jobId,
        jobDocument: next.jobDocument,
        status: next.status,
        queuedAt: 1,
        lastUpdatedAt: 1,
        versionNumber: 1,
        executionNumber: 1,
      };
      session.deliver(topics.startNextAccepted, { ...(execution && { execution }), timestamp: 2 });
      return;
    }
    const update = /jobs\/([^/]+)\/update$/.exec(topic);
    if (update?.[1] !== undefined) {
      const jobId = update[1];
      const status = body.status as string;
      const execution = queue.find((e) => e.jobId === jobId);
      if (execution !== undefined && TERMINAL.includes(execution.status)) {
        session.deliver(topics.updateRejected(jobId), {
          code: "InvalidStateTransition",
          message: `the execution is ${execution.status}`,
          clientToken: body.clientToken,
          timestamp: 3,
        });
        return;
      }
      const statusDetails = body.statusDetails as Record<string, string>;
      const details = StatusDetailsSchema.safeParse(statusDetails ?? {});
      if (!details.success) {
        refused.push({ jobId, status, statusDetails });
        session.deliver(topics.updateRejected(jobId), {
          code: "InvalidRequest",
          message: details.error.issues.map((issue) => issue.message).join("; "),
          clientToken: body.clientToken,
          timestamp: 3,
        });
        return;
      }
      updates.push({ jobId, status, statusDetails });
      if (execution) execution.status = status;
      session.deliver(topics.updateAccepted(jobId), {
        clientToken: body.clientToken,
        timestamp: 3,
      });
    }
  };

  /** Starts a connection and a jobs agent, as one run of the device. */
  const boot = (handlers: StepHandlers, stateDir: string) => {
    const time = createFakeTime();
    const sessions = createFakeSessions({ onOpen: (session) => session.accept(), onPublish });
    const { logger } = createCaptureLogger();
    const connection = createTestConnection({
      clientId: thingName,
      openSession: sessions.open,
      logger,
      time,
    });
    const agent = createJobsAgent({
      thingName,
      connection,
      handlers,
      stateDir,
      replyTimeoutMs: 10_000,
      timers: time.timers,
      logger,
    });
    connection.start();
    return {
      sessions,
      agent,
      connection,
      time,
      async stop() {
        agent.stop();
        await connection.stop();
      },
    };
  };

  return {
    topics,
    /** Answers Jobs requests published on a fake session (`createFakeSessions({ onPublish })`). */
    onPublish,
    queue,
    updates,
    refused,
    boot,
    add(jobId: string, jobDocument: unknown) {
      queue.push({ jobId, jobDocument, status: "QUEUED" });
    },
    status: (jobId: string) => queue.find((e) => e.jobId === jobId)?.status,
    /** CancelJobExecution with force: the execution is CANCELED whatever the device does. */
    cancel(jobId: string) {
      const execution = queue.find((e) => e.jobId === jobId);
      if (execution) execution.status = "CANCELED";
    },
  };
}
