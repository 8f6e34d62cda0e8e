// The messages between the sandbox's main thread and its telemetry thread (`startTelemetryThread`).
import type { DeadLetterListOptions, TelemetryQuery } from "@fleet/core";
import type { TelemetryPipeline } from "../telemetry/telemetry-pipeline.ts";

/** What the main thread asks of the telemetry thread. */
export type TelemetryThreadRequest =
  /** One tick's rule messages; payloads are slices `[start, end)` of `payloads`. */
  | {
      kind: "rule-messages";
      messages: { topic: string; clientId: string; receivedAt: number; end: number }[];
      payloads: Uint8Array;
    }
  | { kind: "query"; id: number; query: TelemetryQuery }
  | { kind: "dead-letters"; id: number; options: DeadLetterListOptions | undefined }
  | { kind: "close" };

/** What the telemetry thread tells the main thread. */
export type TelemetryThreadReply =
  | {
      kind: "ready";
      rule: { name: string; topicFilter: string };
      stream: TelemetryPipeline["stream"];
    }
  | { kind: "failed"; error: unknown }
  | { kind: "answer"; id: number; value: unknown }
  | { kind: "error"; id: number; error: unknown }
  | { kind: "log"; line: string };

export interface TelemetryThreadData {
  stateDir: string;
  logLevel: string;
}
