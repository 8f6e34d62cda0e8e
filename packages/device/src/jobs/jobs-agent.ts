import { randomUUID } from "node:crypto";
import {
  checkJobDocument,
  type JobExecution,
  JobExecutionAcceptedSchema,
  type JobStep,
  JobsErrorResponseSchema,
  jobsTopics,
  NextJobExecutionChangedSchema,
  parseMessage,
  type StatusDetails,
  toStatusDetails,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Timers } from "../clock.ts";
import type { DeviceConnection } from "../connection/device-connection.ts";
import { replyField, requestReply } from "../connection/request-reply.ts";
import { errorText } from "../error-text.ts";
import { JobUpdateRejectedError } from "../errors.ts";
import {
  type JobProgress,
  jobProgressFile,
  readJobProgress,
  writeJobProgress,
} from "./job-progress.ts";
import type { StepHandler, StepHandlers } from "./step-handler.ts";

export interface JobsAgentOptions {
  thingName: string;
  connection: DeviceConnection;
  /** Handlers by step operation; a document with a step of any other operation is REJECTED. */
  handlers: StepHandlers;
  /** The device's state directory: progress is kept in `<stateDir>/jobs/current.json`. */
  stateDir: string;
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

type Terminal = NonNullable<JobProgress["outcome"]>;

/**
 * An AWS IoT Jobs agent over the thing's own connection, running the product's versioned job
 * documents (`checkJobDocument`):
 * 1. After each connect: subscribe to `notify-next`, the `start-next` replies and, with one
 *    wildcard filter, every job's update replies; then publish `start-next` (an IN_PROGRESS
 *    execution left by a restart comes back first).
 * 2. On `notify-next` with an execution, when idle: `start-next` again.
 * 3. One job at a time: an invalid document, or one with an operation this device has no
 *    handler for, is REJECTED with `{reason}`.
 * 4. Steps run in order, each reporting IN_PROGRESS `{step: "i/n", operation, phase, ...}`;
 *    progress is persisted in `<stateDir>/jobs/current.json` so a restart resumes at the
 *    step (and phase) it stopped in. The first failure, else the last step's outcome, is
 *    the terminal update.
 * 5. Then `start-next` for the next job (not after a step that reboots the device).
 */
export function createJobsAgent(options: JobsAgentOptions): JobsAgent {
  const { thingName, connection, logger, timers, handlers } = options;
  const topics = jobsTopics(thingName);
  const progressFile = jobProgressFile(options.stateDir);
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
      // Cleaned here, the one way out: AWS refuses the whole update for one bad detail.
      payload: { status, statusDetails: toStatusDetails(statusDetails), clientToken },
      timeoutMs: options.replyTimeoutMs,
      timers,
      matches: (payload) => replyField(payload, "clientToken") === clientToken,
      // Covered by `updateReplies`, subscribed after each connect.
      subscribe: [],
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

  const savedProgress = async (jobId: string): Promise<JobProgress | undefined> => {
    try {
      const saved = await readJobProgress(progressFile);
      return saved?.jobId === jobId ? saved : undefined;
    } catch (error) {
      logger.warn({ jobId, reason: errorText(error) }, "jobs.progress-unreadable");
      return undefined;
    }
  };

  /** Runs the job; resolves `rebooting` when a step left it IN_PROGRESS for a restart. */
  const run = async (execution: JobExecution): Promise<"done" | "rebooting"> => {
    const { jobId } = execution;
    const log = logger.child({ jobId });
    const check = checkJobDocument(execution.jobDocument);
    const steps = check.ok ? check.document.steps : [];
    const unsupported = steps.findIndex((step) => handlers[step.operation] === undefined);
    const reason = !check.ok
      ? check.reason
      : unsupported >= 0
        ? `steps[${unsupported}].operation: ${steps[unsupported]?.operation} is not supported by this device`
        : undefined;
    if (reason !== undefined) {
      log.warn({ reason }, "jobs.rejected");
      await update(jobId, "REJECTED", { reason });
      return "done";
    }

    const saved = await savedProgress(jobId);
    if (saved?.outcome !== undefined) {
      // Every step ran before a restart; only the terminal update was missing.
      await update(jobId, saved.outcome.status, saved.outcome.statusDetails);
      return "done";
    }
    let resumedPhase = saved?.stepState ?? undefined;
    let terminal: Terminal | undefined;
    for (let index = saved?.stepIndex ?? 0; index < steps.length; index++) {
      const step = steps[index] as JobStep;
      const position = {
        step: `${index + 1}/${steps.length}`,
        operation: step.operation,
      };
      const handler = handlers[step.operation] as StepHandler;
      log.info({ ...position, resumedPhase }, "jobs.step");
      const outcome = await handler({
        jobId,
        step,
        timeLeftMs: secondsToMs(execution.approximateSecondsBeforeTimedOut),
        index,
        count: steps.length,
        resumedPhase,
        report: async (phase, detail) => {
          await writeJobProgress(progressFile, { jobId, stepIndex: index, stepState: phase });
          await update(jobId, "IN_PROGRESS", { ...detail, ...position, phase });
        },
      });
      resumedPhase = undefined;
      if (outcome.status === "rebooting") {
        log.info(position, "jobs.rebooting");
        return "rebooting";
      }
      if (outcome.status === "failed") {
        log.warn({ ...position, reason: outcome.reason }, "jobs.step-failed");
        terminal = {
          status: "FAILED",
          // Persisted as sent, so the saved outcome reads back and is sent, never re-run.
          statusDetails: toStatusDetails({
            ...outcome.details,
            ...position,
            reason: outcome.reason,
          }),
        };
        break;
      }
      terminal = { status: "SUCCEEDED", statusDetails: { ...outcome.details, ...position } };
      await writeJobProgress(progressFile, { jobId, stepIndex: index + 1, stepState: null });
    }
    // The document has at least one step, so a terminal outcome exists.
    const outcome = terminal as Terminal;
    await writeJobProgress(progressFile, {
      jobId,
      stepIndex: steps.length,
      stepState: null,
      outcome,
    });
    await update(jobId, outcome.status, outcome.statusDetails);
    log.info({ status: outcome.status }, "jobs.finished");
    return "done";
  };

  const take = (execution: JobExecution) => {
    running = execution.jobId;
    run(execution).then(
      (result) => {
        // The device is going down: take no other job meanwhile.
        if (result === "rebooting") return;
        running = undefined;
        pullLogged();
      },
      (error: unknown) => {
        running = undefined;
        if (isNoLongerActive(error)) {
          // Canceled (e.g. by the job's abort criteria), removed or timed out meanwhile: the
          // job is not ours any more, so the next one may start now.
          logger.warn({ jobId: execution.jobId, reason: errorText(error) }, "jobs.abandoned");
          pullLogged();
          return;
        }
        // Left IN_PROGRESS; start-next hands it back after the next connect, not at once,
        // so that a fault that persists does not spin.
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
      .subscribe([
        topics.notifyNext,
        topics.startNextAccepted,
        topics.startNextRejected,
        topics.updateReplies,
      ])
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

/**
 * AWS IoT Jobs' answer to an update of an execution that is no longer active: it reached a
 * terminal status (CANCELED, TIMED_OUT, ...) or was deleted.
 */
const NO_LONGER_ACTIVE_CODES = new Set([
  "InvalidStateTransition",
  "TerminalStateReached",
  "ResourceNotFound",
]);

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

function isNoLongerActive(error: unknown): boolean {
  return error instanceof JobUpdateRejectedError && NO_LONGER_ACTIVE_CODES.has(error.code);
}
