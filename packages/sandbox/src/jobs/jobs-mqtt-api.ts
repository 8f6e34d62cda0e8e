import {
  DescribeJobExecutionRequestSchema,
  GetPendingJobExecutionsRequestSchema,
  type JobExecution,
  type JobExecutionSummary,
  type JobsErrorResponse,
  jobsTopics,
  matchJobsRequestTopic,
  parseJsonPayload,
  StartNextPendingJobExecutionRequestSchema,
  UpdateJobExecutionRequestSchema,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { z } from "zod";
import { JobsRequestRejectedError, UndeliverableJobDocumentError } from "../errors.ts";
import type { BrokerService, ServiceReply, ServiceRequest } from "../iot-core/broker-service.ts";
import { executionState, isTerminal } from "./job-execution-state-machine.ts";
import type { JobExecutionRecord } from "./job-state.ts";
import { epochSeconds, type JobStore, type PendingChange } from "./job-store.ts";

export interface JobsMqttApiOptions {
  store: JobStore;
  logger: Logger;
  /** Default `() => new Date()`. */
  clock?: () => Date;
  /**
   * What a stored job document becomes each time it is sent to a device (presigned-URL
   * placeholders replaced). Default: sent as stored.
   */
  deliverDocument?: DeliverDocument;
}

export type DeliverDocument = (document: Record<string, unknown>) => Record<string, unknown>;

const asStored: DeliverDocument = (document) => document;

/** "Up to 15" executions in a ListNotification (developer guide, "Jobs notifications"). */
const NOTIFY_LIST_MAX = 15;

type Operation =
  | { kind: "get-pending" }
  | { kind: "start-next" }
  | { kind: "describe"; jobId: string }
  | { kind: "update"; jobId: string };

/**
 * The AWS IoT Jobs device MQTT API (developer guide, "Jobs device MQTT API operations") on
 * `$aws/things/{thing}/jobs/...`: get, start-next, {jobId}/get ({jobId} may be `$next`) and
 * {jobId}/update, answered on `/accepted` or `/rejected` with the request's clientToken. The
 * thing is the connection's (the certificate's attached thing that the client id names); a
 * request on another thing's topics is refused, whatever the policy allowed.
 */
export class JobsMqttApi implements BrokerService {
  readonly #options: JobsMqttApiOptions;
  readonly #clock: () => Date;

  constructor(options: JobsMqttApiOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  handles(topic: string): boolean {
    return matchJobsRequestTopic(topic) !== undefined;
  }

  async handle(request: ServiceRequest): Promise<ServiceReply | undefined> {
    const { thingName = "", operation: suffix = "" } = matchJobsRequestTopic(request.topic) ?? {};
    let clientToken: string | undefined;
    try {
      const json = parseJson(request.payload, request.topic);
      clientToken = tokenOf(json);
      if (request.thingName !== thingName) {
        throw new JobsRequestRejectedError(
          "InvalidRequest",
          `This connection acts as ${request.thingName === undefined ? "no thing" : `thing ${request.thingName}`}, not ${thingName}.`,
        );
      }
      const payload = await this.#answer(thingName, operationOf(suffix), json);
      return { topic: `${request.topic}/accepted`, payload: { ...payload, ...token(clientToken) } };
    } catch (error) {
      const rejection = asRejection(error);
      const level = rejection.code === "InternalError" ? "error" : "info";
      this.#options.logger[level](
        { clientId: request.clientId, topic: request.topic, code: rejection.code, err: error },
        "jobs request rejected",
      );
      const payload: JobsErrorResponse = {
        code: rejection.code,
        message: rejection.message,
        ...token(clientToken),
        timestamp: epochSeconds(this.#clock()),
        ...(rejection.executionState === undefined
          ? {}
          : { executionState: rejection.executionState }),
      };
      return { topic: `${request.topic}/rejected`, payload };
    }
  }

  async #answer(thingName: string, operation: Operation, json: unknown): Promise<object> {
    const { store } = this.#options;
    const timestamp = epochSeconds(this.#clock());
    switch (operation.kind) {
      case "get-pending": {
        validate(GetPendingJobExecutionsRequestSchema, json);
        const pending = store.pendingExecutions(thingName);
        return {
          inProgressJobs: pending.filter((e) => e.status === "IN_PROGRESS").map(summaryOf),
          queuedJobs: pending.filter((e) => e.status === "QUEUED").map(summaryOf),
          timestamp,
        };
      }
      case "start-next": {
        const { statusDetails } = validate(StartNextPendingJobExecutionRequestSchema, json);
        // Each undeliverable document fails its execution, so this ends with the queue.
        for (;;) {
          const started = await store.startNextPendingExecution(thingName, statusDetails);
          if (started === undefined) return { timestamp };
          const execution = await this.#viewOrFail(started);
          if (execution !== undefined) return { execution, timestamp };
        }
      }
      case "describe": {
        const { executionNumber, includeJobDocument = true } = validate(
          DescribeJobExecutionRequestSchema,
          json,
        );
        if (operation.jobId === "$next") {
          for (;;) {
            const next = store.pendingExecutions(thingName)[0];
            if (next === undefined) return { timestamp };
            const execution = await this.#viewOrFail(next, includeJobDocument);
            if (execution !== undefined) return { execution, timestamp };
          }
        }
        const execution = store.findJobExecution(operation.jobId, thingName);
        if (
          execution === undefined ||
          (executionNumber !== undefined && executionNumber !== execution.executionNumber)
        ) {
          throw new JobsRequestRejectedError(
            "ResourceNotFound",
            `Job execution ${operation.jobId} not found for thing ${thingName}.`,
          );
        }
        if (isTerminal(execution.status)) {
          throw new JobsRequestRejectedError(
            "TerminalStateReached",
            `Job execution ${execution.jobId} is in terminal state ${execution.status}.`,
          );
        }
        const view = await this.#viewOrFail(execution, includeJobDocument);
        if (view === undefined) throw undeliverable(execution);
        return { execution: view, timestamp };
      }
      case "update": {
        const request = validate(UpdateJobExecutionRequestSchema, json);
        const updated = await store.updateJobExecution(thingName, operation.jobId, request);
        let jobDocument: Record<string, unknown> | undefined;
        if (request.includeJobDocument === true) {
          const view = await this.#viewOrFail(updated);
          if (view === undefined) throw undeliverable(updated);
          jobDocument = view.jobDocument;
        }
        return {
          ...(request.includeJobExecutionState === true
            ? { executionState: executionState(updated) }
            : {}),
          ...(jobDocument === undefined ? {} : { jobDocument }),
          timestamp,
        };
      }
    }
  }

  /**
   * The JobExecution data type, with the job document unless asked not to; undefined when the
   * document cannot be delivered, after failing the execution with the reason (a terminal one
   * stays as it is).
   */
  async #viewOrFail(
    execution: JobExecutionRecord,
    includeJobDocument = true,
  ): Promise<JobExecution | undefined> {
    const { store, logger } = this.#options;
    try {
      return executionView(execution, store, includeJobDocument, this.#deliver);
    } catch (error) {
      if (!(error instanceof UndeliverableJobDocumentError)) throw error;
      const { jobId, thingName } = execution;
      logger.warn({ jobId, thingName, reason: error.reason }, "job execution failed: document");
      if (!isTerminal(execution.status)) {
        await store.failUndeliverableExecution(jobId, thingName, error.message);
      }
      return undefined;
    }
  }

  get #deliver(): DeliverDocument {
    return this.#options.deliverDocument ?? asStored;
  }
}

/**
 * What AWS publishes after a thing's pending list changed: `notify` when an execution joined
 * or left the list or changed status, `notify-next` when the execution `$next` names changed
 * (not when only its details did), without `execution` once nothing is pending.
 */
export function jobsNotifications(
  change: PendingChange,
  store: JobStore,
  now: Date,
  deliverDocument: DeliverDocument = asStored,
): { topic: string; payload: unknown }[] {
  const topics = jobsTopics(change.thingName);
  const timestamp = epochSeconds(now);
  const messages: { topic: string; payload: unknown }[] = [];
  const statuses = (list: JobExecutionRecord[]) =>
    list.map((e) => `${e.jobId}:${e.status}`).join(",");
  if (statuses(change.before) !== statuses(change.after)) {
    const listed = change.after.slice(0, NOTIFY_LIST_MAX);
    const inProgress = listed.filter((e) => e.status === "IN_PROGRESS").map(summaryOf);
    const queued = listed.filter((e) => e.status === "QUEUED").map(summaryOf);
    messages.push({
      topic: topics.notify,
      payload: {
        jobs: {
          ...(inProgress.length === 0 ? {} : { IN_PROGRESS: inProgress }),
          ...(queued.length === 0 ? {} : { QUEUED: queued }),
        },
        timestamp,
      },
    });
  }
  const next = change.after[0];
  if (change.before[0]?.jobId !== next?.jobId) {
    messages.push({
      topic: topics.notifyNext,
      payload: {
        ...(next === undefined
          ? {}
          : { execution: notifiedExecution(next, store, deliverDocument) }),
        timestamp,
      },
    });
  }
  return messages;
}

/**
 * notify-next's execution. A document that cannot be delivered is left out: the device asks
 * with start-next, which fails that execution with the reason (a notification cannot).
 */
function notifiedExecution(
  execution: JobExecutionRecord,
  store: JobStore,
  deliverDocument: DeliverDocument,
): JobExecution {
  try {
    return executionView(execution, store, true, deliverDocument);
  } catch (error) {
    if (!(error instanceof UndeliverableJobDocumentError)) throw error;
    return executionView(execution, store, false, deliverDocument);
  }
}

/** The view of an execution; a `deliverDocument` failure is an UndeliverableJobDocumentError. */
function executionView(
  execution: JobExecutionRecord,
  store: JobStore,
  includeJobDocument: boolean,
  deliverDocument: DeliverDocument,
): JobExecution {
  // AWS includes it while an in-progress timer runs; the device bounds its waits by it.
  const secondsLeft = store.secondsBeforeTimedOut(execution);
  return {
    ...execution,
    ...(secondsLeft === undefined ? {} : { approximateSecondsBeforeTimedOut: secondsLeft }),
    ...(includeJobDocument
      ? { jobDocument: deliver(execution.jobId, store, deliverDocument) }
      : {}),
  };
}

function deliver(
  jobId: string,
  store: JobStore,
  deliverDocument: DeliverDocument,
): Record<string, unknown> {
  const { document } = store.describeJob(jobId);
  try {
    return deliverDocument(document);
  } catch (error) {
    throw new UndeliverableJobDocumentError(jobId, describe(error), { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a device sees after its execution was failed for an undeliverable document. */
function undeliverable(execution: JobExecutionRecord): JobsRequestRejectedError {
  return new JobsRequestRejectedError(
    "TerminalStateReached",
    `Job execution ${execution.jobId} failed: its job document cannot be delivered.`,
  );
}

function summaryOf(execution: JobExecutionRecord): JobExecutionSummary {
  const { jobId, queuedAt, startedAt, lastUpdatedAt, versionNumber, executionNumber } = execution;
  return {
    jobId,
    queuedAt,
    ...(startedAt === undefined ? {} : { startedAt }),
    lastUpdatedAt,
    versionNumber,
    executionNumber,
  };
}

function operationOf(suffix: string): Operation {
  if (suffix === "get") return { kind: "get-pending" };
  if (suffix === "start-next") return { kind: "start-next" };
  const [jobId = "", action, ...rest] = suffix.split("/");
  if (rest.length === 0 && action === "get") return { kind: "describe", jobId };
  if (rest.length === 0 && action === "update" && jobId !== "$next") {
    return { kind: "update", jobId };
  }
  throw new JobsRequestRejectedError("InvalidTopic", `jobs/${suffix} is not a Jobs API operation.`);
}

function parseJson(payload: Buffer, topic: string): unknown {
  // AWS accepts an empty payload where every field is optional.
  if (payload.length === 0) return {};
  let json: unknown;
  try {
    json = parseJsonPayload(payload, topic);
  } catch (cause) {
    throw new JobsRequestRejectedError(
      "InvalidJson",
      "The payload is not valid UTF-8 JSON.",
      undefined,
      { cause },
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new JobsRequestRejectedError("InvalidJson", "The payload is not a JSON object.");
  }
  return json;
}

function tokenOf(json: unknown): string | undefined {
  const clientToken = (json as { clientToken?: unknown }).clientToken;
  return typeof clientToken === "string" ? clientToken : undefined;
}

function token(clientToken: string | undefined): { clientToken?: string } {
  return clientToken === undefined ? {} : { clientToken };
}

/** Invalid fields are InvalidRequest; the message names each offending field or key. */
function validate<T>(schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) =>
        issue.code === "custom" ? issue.message : `${issue.path.join(".")}: ${issue.message}`,
      )
      .join("; ");
    throw new JobsRequestRejectedError("InvalidRequest", message);
  }
  return parsed.data;
}

function asRejection(error: unknown): JobsRequestRejectedError {
  if (error instanceof JobsRequestRejectedError) return error;
  return new JobsRequestRejectedError("InternalError", "Internal error.");
}
