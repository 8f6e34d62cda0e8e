import { Worker } from "node:worker_threads";
import type { DeadLetter, TelemetrySample } from "@fleet/core";
import type { Logger } from "pino";
import type {
  TelemetryPipeline,
  TelemetryPipelineOptions,
} from "../telemetry/telemetry-pipeline.ts";
import { HandOffRule } from "./telemetry-hand-off-rule.ts";
import type {
  TelemetryThreadData,
  TelemetryThreadReply,
  TelemetryThreadRequest,
} from "./telemetry-thread-protocol.ts";

/**
 * The telemetry pipeline (`startTelemetryPipeline`: the rule's Kinesis action, kinesalite, the
 * ingest poller, DuckDB) on its own thread, as the stage's rules engine, stream and Lambda run
 * apart from the message broker. The broker's thread only hands each tick's rule messages over;
 * without this, every telemetry message cost the broker about four times its own work (issue 16).
 * Same `TelemetryPipeline` as in-thread; the thread's log lines go to `options.logger`.
 */
export function startTelemetryThread(
  options: TelemetryPipelineOptions,
): Promise<TelemetryPipeline> {
  const { logger } = options;
  const workerData: TelemetryThreadData = { stateDir: options.stateDir, logLevel: logger.level };
  const worker = new Worker(new URL("./telemetry-thread-worker.ts", import.meta.url), {
    workerData,
  });
  const send = (request: TelemetryThreadRequest, transfer: ArrayBuffer[] = []) =>
    worker.postMessage(request, transfer);
  const answers = new Map<
    number,
    { resolve(value: unknown): void; reject(error: unknown): void }
  >();
  let nextId = 0;
  const ask = <T>(request: (id: number) => TelemetryThreadRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      answers.set(id, { resolve: resolve as (value: unknown) => void, reject });
      send(request(id));
    });
  /** Resolves once the thread has exited, whether closed or failed. */
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

  return new Promise<TelemetryPipeline>((resolve, reject) => {
    worker.on("message", (reply: TelemetryThreadReply) => {
      switch (reply.kind) {
        case "ready":
          resolve(pipeline(reply));
          return;
        case "failed":
          reject(reply.error);
          return;
        case "answer":
        case "error": {
          const answer = answers.get(reply.id);
          answers.delete(reply.id);
          if (reply.kind === "answer") answer?.resolve(reply.value);
          else answer?.reject(reply.error);
          return;
        }
        case "log":
          relayLog(logger, reply.line);
      }
    });
    worker.on("error", (error) => {
      logger.error({ err: error }, "telemetry thread failed");
      reject(error);
      for (const answer of answers.values()) answer.reject(error);
      answers.clear();
    });

    function pipeline(ready: Extract<TelemetryThreadReply, { kind: "ready" }>): TelemetryPipeline {
      const rule = new HandOffRule(ready.rule, send);
      let closing: Promise<void> | undefined;
      return {
        rule,
        stream: ready.stream,
        queryTelemetry: (query) => ask<TelemetrySample[]>((id) => ({ kind: "query", id, query })),
        listDeadLetters: (listOptions) =>
          ask<DeadLetter[]>((id) => ({ kind: "dead-letters", id, options: listOptions })),
        close() {
          // The thread exits once its pipeline has put, drained and closed everything.
          closing ??= (async () => {
            rule.flush();
            send({ kind: "close" });
            await exited;
          })();
          return closing;
        },
      };
    }
  });
}

/** A pino line of the thread, logged again on the sandbox's logger at its level. */
function relayLog(logger: Logger, line: string): void {
  const {
    level,
    msg,
    time: _time,
    pid: _pid,
    hostname: _hostname,
    ...fields
  } = JSON.parse(line) as Record<string, unknown> & { level: number; msg?: string };
  const label = logger.levels.labels[level] ?? "info";
  (logger as unknown as Record<string, (fields: object, msg?: string) => void>)[label]?.(
    fields,
    msg,
  );
}
