// The telemetry thread's entry (see `startTelemetryThread`): runs `startTelemetryPipeline` and
// answers the main thread's requests.
import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import { startTelemetryPipeline } from "../telemetry/telemetry-pipeline.ts";
import type {
  TelemetryThreadData,
  TelemetryThreadReply,
  TelemetryThreadRequest,
} from "./telemetry-thread-protocol.ts";

const port = parentPort;
if (port === null) throw new Error("telemetry-thread-worker runs in a worker thread only");
const reply = (message: TelemetryThreadReply) => port.postMessage(message);
const { stateDir, logLevel } = workerData as TelemetryThreadData;
const logger = pino({ level: logLevel }, { write: (line: string) => reply({ kind: "log", line }) });

try {
  const pipeline = await startTelemetryPipeline({ stateDir, logger });
  port.on("message", (request: TelemetryThreadRequest) => {
    switch (request.kind) {
      case "rule-messages": {
        const payloads = Buffer.from(
          request.payloads.buffer,
          request.payloads.byteOffset,
          request.payloads.length,
        );
        let start = 0;
        for (const { topic, clientId, receivedAt, end } of request.messages) {
          const payload = payloads.subarray(start, end);
          start = end;
          pipeline.rule.handle({ topic, clientId, receivedAt, payload });
        }
        return;
      }
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
