import { randomUUID } from "node:crypto";
import {
  type CommandAccepted,
  CommandAcceptedSchema,
  type CommandRejected,
  CommandRejectedSchema,
  commandTopics,
  parseJsonPayload,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import { CommandTimeoutError } from "../errors.ts";
import type { RuleMessage, TopicRule } from "../iot-core/topic-rule.ts";

/** A device's answer to a command. */
export type CommandOutcome =
  | { status: "accepted"; reply: CommandAccepted }
  | { status: "rejected"; reply: CommandRejected };

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

interface Waiter {
  topics: { accepted: string; rejected: string };
  resolve(outcome: CommandOutcome): void;
}

/**
 * Cloud-to-device commands as the sandbox's operator API sends them: publishes
 * `cmd/{thing}/{command}` `{ requestId, params }` and waits for the device's reply on
 * `.../accepted` or `.../rejected` with the same requestId, which it sees as a topic rule sees
 * device messages (after the device's policy allowed the publish).
 */
export class CommandRequests implements TopicRule {
  readonly name = "command-replies";
  readonly topicFilter = "cmd/+/+/+";
  readonly #waiters = new Map<string, Waiter>();
  readonly #logger: Logger;
  /** Set by the sandbox once the broker runs. */
  publish: (topic: string, payload: unknown) => void = () => {};

  constructor(options: { logger: Logger }) {
    this.#logger = options.logger;
  }

  /** Sends the command; rejects with `CommandTimeoutError` when no reply comes in time. */
  send(
    thingName: string,
    command: string,
    params: Record<string, unknown>,
    timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ): Promise<CommandOutcome> {
    const requestId = randomUUID();
    const topics = commandTopics(thingName, command);
    return new Promise<CommandOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(requestId);
        reject(new CommandTimeoutError(thingName, command, timeoutMs));
      }, timeoutMs);
      this.#waiters.set(requestId, {
        topics,
        resolve: (outcome) => {
          clearTimeout(timer);
          this.#waiters.delete(requestId);
          resolve(outcome);
        },
      });
      this.publish(topics.request, { requestId, params });
    });
  }

  handle(message: RuleMessage): void {
    let json: unknown;
    try {
      json = parseJsonPayload(message.payload, message.topic);
    } catch {
      return;
    }
    const requestId = (json as { requestId?: unknown } | null)?.requestId;
    const waiter = typeof requestId === "string" ? this.#waiters.get(requestId) : undefined;
    if (waiter === undefined) return;
    const outcome = outcomeOf(message.topic, waiter.topics, json);
    if (outcome === "not-a-reply") return;
    if (outcome === undefined) {
      this.#logger.warn(
        { topic: message.topic, clientId: message.clientId },
        "malformed command reply ignored",
      );
      return;
    }
    waiter.resolve(outcome);
  }
}

/** The reply a message on one of the waiter's topics carries; undefined when malformed. */
function outcomeOf(
  topic: string,
  topics: Waiter["topics"],
  json: unknown,
): CommandOutcome | "not-a-reply" | undefined {
  if (topic === topics.accepted) {
    const parsed = CommandAcceptedSchema.safeParse(json);
    return parsed.success ? { status: "accepted", reply: parsed.data } : undefined;
  }
  if (topic === topics.rejected) {
    const parsed = CommandRejectedSchema.safeParse(json);
    return parsed.success ? { status: "rejected", reply: parsed.data } : undefined;
  }
  return "not-a-reply";
}
