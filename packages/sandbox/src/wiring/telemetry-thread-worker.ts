// The telemetry thread's entry (see `startTelemetryThread`): runs `startTelemetryPipeline` and
// answers the main thread's requests.
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import { startTelemetryPipeline } from "../telemetry/telemetry-pipeline.ts";
import {
  type TelemetryThreadData,
  type TelemetryThreadReply,
  type TelemetryThreadRequest,
  unpackRuleMessages,
} from "./telemetry-thread-protocol.ts";

/**
 * The telemetry thread's nice value on Linux (see `yieldToTheBroker`). Sharing a core with the
 * broker's thread, it gets about a tenth of it; on a machine saturated by other processes
 * (four busy threads a core) about 2.5%, 25 ms a second, about 170 messages at the pipeline's
 * ~150 us of CPU per message (`bench/broker-throughput.bench.ts` prints it): past that, ingest
 * falls behind until the machine calms down.
 */
const NICE = 10;

const port = parentPort;
if (port === null) throw new Error("telemetry-thread-worker runs in a worker thread only");
const reply = (message: TelemetryThreadReply) => port.postMessage(message);
const { stateDir, logLevel } = workerData as TelemetryThreadData;
yieldToTheBroker();
const logger = pino({ level: logLevel }, { write: (line: string) => reply({ kind: "log", line }) });

try {
  const pipeline = await startTelemetryPipeline({ stateDir, logger });
  port.on("message", (request: TelemetryThreadRequest) => {
    switch (request.kind) {
      case "rule-messages":
        for (const message of unpackRuleMessages(request)) pipeline.rule.handle(message);
        return;
      case "query":
        pipeline.queryTelemetry(request.query).then(
          (value) => reply({ kind: "answer", id: request.id, value }),
          (error: unknown) => reply({ kind: "error", id: request.id, error }),
        );
        return;
      case "dead-letters":
        pipeline.listDeadLetters(request.options).then(
          (value) => reply({ kind: "answer", id: request.id, value }),
          (error: unknown) => reply({ kind: "error", id: request.id, error }),
        );
        return;
      case "close":
        // Nothing is left to answer: the thread ends with its event loop.
        void pipeline.close().then(() => port.close());
    }
  });
  const { name, topicFilter } = pipeline.rule;
  reply({ kind: "ready", rule: { name, topicFilter }, stream: pipeline.stream });
} catch (error) {
  reply({ kind: "failed", error });
  port.close();
}

/**
 * Linux: this thread runs at nice `NICE` (a Linux nice value is per thread), so on a busy
 * machine the broker's thread, which devices wait on, gets the CPU first; ingest is batched
 * background work that catches up, and on an idle core it runs at full speed all the same.
 * (DuckDB's and libuv's threads are not this thread's and keep the process's priority.)
 * Elsewhere the thread keeps the process's priority.
 */
function yieldToTheBroker(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(threadId, Math.max(NICE, getPriority(threadId)));
  } catch {
    // No per-thread priority here.
  }
}
