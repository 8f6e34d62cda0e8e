import { parseJsonWithinDepth } from "@fleet/core/contracts";
import type { Timers } from "../clock.ts";
import { NotConnectedError, ReplyTimeoutError } from "../errors.ts";
import type { ConnectionState } from "./connection-state.ts";
import type { DeviceConnection } from "./device-connection.ts";

/** A request topic with its `/accepted` and `/rejected` reply topics. */
export interface ReplyTopics {
  request: string;
  accepted: string;
  rejected: string;
}

export interface Reply {
  outcome: "accepted" | "rejected";
  payload: Buffer;
}

/**
 * Publishes one request on the thing's connection and waits for its reply. The reply topics
 * are subscribed first on every call (unless `subscribe` says otherwise): with a clean session
 * a reconnect (a credential switch too) drops them, and AWS IoT keeps no reply for a client that
 * was not subscribed. `matches` tells this request's reply from a stale one on the same topic.
 *
 * @throws ReplyTimeoutError when no matching reply arrives within `timeoutMs`;
 *   NotConnectedError when the connection is down or stops before the reply.
 */
export async function requestReply(options: {
  connection: DeviceConnection;
  topics: ReplyTopics;
  payload: unknown;
  timeoutMs: number;
  timers: Timers;
  matches?: (payload: Buffer) => boolean;
  /**
   * Filters to subscribe before publishing. Default the two reply topics; `[]` for a caller
   * that holds a wildcard subscription covering them on every connection.
   */
  subscribe?: readonly string[];
}): Promise<Reply> {
  const { connection, topics, timers } = options;
  const filters = options.subscribe ?? [topics.accepted, topics.rejected];
  if (filters.length > 0) await connection.subscribe(filters);
  let onMessage: ((message: { topic: string; payload: Buffer }) => void) | undefined;
  let onState: ((change: { state: ConnectionState }) => void) | undefined;
  let timer: unknown;
  const reply = new Promise<Reply>((resolve, reject) => {
    onMessage = ({ topic, payload }) => {
      const outcome =
        topic === topics.accepted ? "accepted" : topic === topics.rejected ? "rejected" : null;
      if (outcome === null || (options.matches && !options.matches(payload))) return;
      resolve({ outcome, payload });
    };
    connection.events.on("message", onMessage);
    // A stopping connection never delivers the reply: give up now, not when the timer fires.
    onState = ({ state }) => {
      if (state === "stopping" || state === "stopped") {
        reject(new NotConnectedError({ topic: topics.request }));
      }
    };
    connection.events.on("state", onState);
    timer = timers.setTimeout(
      () => reject(new ReplyTimeoutError({ topic: topics.request, timeoutMs: options.timeoutMs })),
      options.timeoutMs,
    );
  });
  // Settled in `finally`; a timeout while the publish is pending must not go unhandled.
  reply.catch(() => {});
  try {
    await connection.publish(topics.request, JSON.stringify(options.payload), 1);
    return await reply;
  } finally {
    timers.clearTimeout(timer);
    if (onMessage) connection.events.off("message", onMessage);
    if (onState) connection.events.off("state", onState);
  }
}

/** A top-level field of a JSON reply (for `matches`); undefined when the payload is not JSON. */
export function replyField(payload: Buffer, name: string): unknown {
  try {
    return (parseJsonWithinDepth(payload.toString("utf8")) as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}
