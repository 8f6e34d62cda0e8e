import { randomUUID } from "node:crypto";
import {
  type JobExecution,
  JobExecutionAcceptedSchema,
  JobsErrorResponseSchema,
  jobsTopics,
  NextJobExecutionChangedSchema,
  parseMessage,
  type StatusDetails,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Timers } from "../clock.ts";
import type { DeviceConnection } from "../connection/device-connection.ts";
import { replyField, requestReply } from "../connection/request-reply.ts";
import { errorText } from "../error-text.ts";
import { JobUpdateRejectedError } from "../errors.ts";
import type { JobHandler } from "./job-handler.ts";

export interface JobsAgentOptions {
  thingName: string;
  connection: DeviceConnection;
  /** Handlers by the job document's `operation`; any other document is REJECTED. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** Longest wait for the reply to an UpdateJobExecution. */
  replyTimeoutMs: number;
  timers: Timers;
  logger: Logger;
}

export interface JobsAgent {
  /** The job being run, if any. */
  readonly running: string | undefined;
  /** Ignores further notifications; a job being run finishes its current step. */
  stop(): void;
}

/**
 * A minimal AWS IoT Jobs agent over the thing's own connection:
 * 1. After each connect: subscribe to `notify-next` and the `start-next` replies, then
 *    publish `start-next` (an IN_PROGRESS execution left by a restart comes back first).
 * 2. On `notify-next` with an execution, when idle: `start-next` again.
 * 3. One job at a time: the document's `operation` picks the handler; an unknown one is
 *    REJECTED with a reason. The handler's outcome is the execution's last update.
 * 4. Then `start-next` for the next job.
 */
export function createJobsAgent(options: JobsAgentOptions): JobsAgent {
  const { thingName, connection, logger, timers } = options;
  const topics = jobsTopics(thingName);
  let running: string | undefined;
  let stopped = false;

  const pull = async () => {
    if (stopped || running !== undefined || connection.state !== "connected") return;
    await connection.publish(topics.startNext, JSON.stringify({}), 1);
  };
  const pullLogged = () => {
    pull().catch((error: unknown) => logger.warn({ reason: errorText(error) }, "jobs.pull-failed"));
  };

  const update = async (jobId: string, status: string, statusDetails: StatusDetails) => {
    const clientToken = randomUUID();
    const reply = await requestReply({
      connection,
      topics: {
        request: topics.update(jobId),
        accepted: topics.updateAccepted(jobId),
        rejected: topics.updateRejected(jobId),
      },
      payload: { status, statusDetails, clientToken },
      timeoutMs: options.replyTimeoutMs,
      timers,
      matches: (payload) => replyField(payload, "clientToken") === clientToken,
    });
    if (reply.outcome === "rejected") {
      const error = parseMessage(
        JobsErrorResponseSchema,
        reply.payload,
        topics.updateRejected(jobId),
      );
      throw new JobUpdateRejectedError({ jobId, code: error.code, message: error.message });
    }
  };

  const run = async (execution: JobExecution) => {
    const { jobId } = execution;
    const operation = execution.jobDocument?.operation;
    const handler = typeof operation === "string" ? options.handlers[operation] : undefined;
    const log = logger.child({ jobId });
    if (handler === undefined) {
      log.warn({ operation }, "jobs.rejected");
      await update(jobId, "REJECTED", {
        reason: "UnsupportedOperation",
        operation:
          typeof operation === "string" && operation.length > 0 ? operation.slice(0, 1024) : "none",
      });
      return;
    }
    log.info({ operation }, "jobs.started");
    const outcome = await handler({
      execution,
      progress: (statusDetails) => update(jobId, "IN_PROGRESS", statusDetails),
    });
    await update(jobId, outcome.status, outcome.statusDetails);
    log.info({ operation, status: outcome.status }, "jobs.finished");
  };

  const take = (execution: JobExecution) => {
    running = execution.jobId;
    run(execution).then(
      () => {
        running = undefined;
        pullLogged();
      },
      (error: unknown) => {
        // Left IN_PROGRESS; start-next hands it back after the next connect, not at once,
        // so that a fault that persists does not spin.
        running = undefined;
        logger.warn({ jobId: execution.jobId, reason: errorText(error) }, "jobs.interrupted");
      },
    );
  };

  const onMessage = ({ topic, payload }: { topic: string; payload: Buffer }) => {
    if (stopped) return;
    try {
      if (topic === topics.startNextAccepted) {
        const { execution } = parseMessage(JobExecutionAcceptedSchema, payload, topic);
        if (execution !== undefined && running === undefined) take(execution);
      } else if (topic === topics.notifyNext) {
        const { execution } = parseMessage(NextJobExecutionChangedSchema, payload, topic);
        if (execution !== undefined) pullLogged();
      } else if (topic === topics.startNextRejected) {
        const error = parseMessage(JobsErrorResponseSchema, payload, topic);
        logger.warn({ code: error.code, reason: error.message }, "jobs.start-next-rejected");
      }
    } catch (error) {
      logger.warn({ topic, reason: errorText(error) }, "jobs.invalid-message");
    }
  };

  const onConnected = () => {
    if (stopped) return;
    connection
      .subscribe([topics.notifyNext, topics.startNextAccepted, topics.startNextRejected])
      .then(pull)
      .catch((error: unknown) =>
        logger.warn({ reason: errorText(error) }, "jobs.subscribe-failed"),
      );
  };

  connection.events.on("message", onMessage);
  connection.events.on("connected", onConnected);
  return {
    get running() {
      return running;
    },
    stop() {
      stopped = true;
      connection.events.off("message", onMessage);
      connection.events.off("connected", onConnected);
    },
  };
}
