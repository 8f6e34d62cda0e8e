import { jobsTopics } from "@fleet/core/contracts";
import { describe, expect, it, vi } from "vitest";
import { createDeviceConnection } from "../../src/connection/device-connection.ts";
import type { JobHandler } from "../../src/jobs/job-handler.ts";
import { createJobsAgent } from "../../src/jobs/jobs-agent.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeSessions, type FakeSession } from "../support/fake-sessions.ts";
import { createFakeTime, flushPromises } from "../support/fake-time.ts";

const THING = "sim-0001";
const topics = jobsTopics(THING);

function execution(jobId: string, jobDocument: Record<string, unknown>) {
  return {
    jobId,
    jobDocument,
    status: "IN_PROGRESS",
    queuedAt: 1,
    lastUpdatedAt: 1,
    versionNumber: 1,
    executionNumber: 1,
  };
}

/** A Jobs service with a queue of executions; updates are accepted and recorded. */
function setUp(queue: ReturnType<typeof execution>[], handlers: Record<string, JobHandler>) {
  const updates: { jobId: string; status: string; statusDetails: unknown }[] = [];
  const onPublish = (session: FakeSession, topic: string, payload: string) => {
    const body = JSON.parse(payload) as Record<string, unknown>;
    if (topic === topics.startNext) {
      const next = queue[0];
      session.deliver(topics.startNextAccepted, { ...(next && { execution: next }), timestamp: 2 });
      return;
    }
    const update = /jobs\/([^/]+)\/update$/.exec(topic);
    if (update?.[1] !== undefined) {
      const jobId = update[1];
      updates.push({ jobId, status: body.status as string, statusDetails: body.statusDetails });
      if (body.status !== "IN_PROGRESS")
        queue.splice(
          queue.findIndex((e) => e.jobId === jobId),
          1,
        );
      session.deliver(topics.updateAccepted(jobId), {
        clientToken: body.clientToken,
        timestamp: 3,
      });
    }
  };
  const time = createFakeTime();
  const sessions = createFakeSessions({ onOpen: (session) => session.accept(), onPublish });
  const { logger } = createCaptureLogger();
  const connection = createDeviceConnection({
    target: {
      clientId: THING,
      host: "127.0.0.1",
      port: 8883,
      tls: { caFile: "/ca.pem", certFile: "/cert.pem", keyFile: "/key.pem" },
      keepaliveSeconds: 30,
      connectTimeoutMs: 30_000,
      closeTimeoutMs: 5_000,
    },
    reconnect: { initialDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 30_000 },
    openSession: sessions.open,
    logger,
    clock: time.clock,
    timers: time.timers,
    random: () => 0.5,
  });
  const agent = createJobsAgent({
    thingName: THING,
    connection,
    handlers,
    replyTimeoutMs: 10_000,
    timers: time.timers,
    logger,
  });
  connection.start();
  return { sessions, updates, agent, connection, time };
}

describe("jobs agent", () => {
  it("subscribes to notify-next and the start-next replies, then asks for the next job", async () => {
    const { sessions } = setUp([], {});
    await vi.waitFor(() =>
      expect(sessions.latest().published.map((p) => p.topic)).toEqual([topics.startNext]),
    );
    expect(sessions.latest().subscribed).toEqual([
      topics.notifyNext,
      topics.startNextAccepted,
      topics.startNextRejected,
    ]);
  });

  it("rejects a job whose operation has no handler, naming it", async () => {
    const { updates } = setUp([execution("ota-1", { operation: "install-firmware" })], {});
    await vi.waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toEqual({
      jobId: "ota-1",
      status: "REJECTED",
      statusDetails: { reason: "UnsupportedOperation", operation: "install-firmware" },
    });
  });

  it("runs jobs one at a time with the handler of their operation, reporting progress and outcome", async () => {
    const seen: string[] = [];
    const handler: JobHandler = async ({ execution, progress }) => {
      seen.push(execution.jobId);
      await progress({ step: "working" });
      return { status: "SUCCEEDED", statusDetails: { step: "done" } };
    };
    const { updates } = setUp(
      [execution("job-1", { operation: "echo" }), execution("job-2", { operation: "echo" })],
      { echo: handler },
    );
    await vi.waitFor(() => expect(updates).toHaveLength(4));
    expect(seen).toEqual(["job-1", "job-2"]);
    expect(updates.map((u) => `${u.jobId}:${u.status}`)).toEqual([
      "job-1:IN_PROGRESS",
      "job-1:SUCCEEDED",
      "job-2:IN_PROGRESS",
      "job-2:SUCCEEDED",
    ]);
  });

  it("takes a job announced on notify-next once idle", async () => {
    const queue: ReturnType<typeof execution>[] = [];
    const handler: JobHandler = async () => ({ status: "SUCCEEDED", statusDetails: { ok: "yes" } });
    const { sessions, updates } = setUp(queue, { echo: handler });
    await vi.waitFor(() => expect(sessions.latest().published).toHaveLength(1));
    const job = execution("job-3", { operation: "echo" });
    queue.push(job);
    sessions.latest().deliver(topics.notifyNext, { execution: job, timestamp: 5 });
    await vi.waitFor(() =>
      expect(updates).toEqual([
        { jobId: "job-3", status: "SUCCEEDED", statusDetails: { ok: "yes" } },
      ]),
    );
  });

  it("leaves an interrupted job IN_PROGRESS and starts it again after the next connect", async () => {
    let calls = 0;
    const handler: JobHandler = async () => {
      calls += 1;
      if (calls === 1) throw new Error("connection lost");
      return { status: "SUCCEEDED", statusDetails: { step: "done" } };
    };
    const { sessions, updates, time } = setUp([execution("job-4", { operation: "echo" })], {
      echo: handler,
    });
    await vi.waitFor(() => expect(calls).toBe(1));
    await flushPromises();
    expect(updates).toEqual([]);
    expect(sessions.latest().published.map((p) => p.topic)).toEqual([topics.startNext]);

    sessions.latest().end({ reason: "keepalive timeout" });
    await time.advance(1_000);
    await vi.waitFor(() => expect(updates.map((u) => u.status)).toEqual(["SUCCEEDED"]));
    expect(calls).toBe(2);
  });
});
