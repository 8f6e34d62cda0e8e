import {
  type ProvisioningErrorResponse,
  ProvisioningErrorResponseSchema,
  parseMessage,
} from "@fleet/core/contracts";
import type { z } from "zod";
import type { TimerHandle, Timers } from "../clock.ts";
import type { ReplyTopics } from "../connection/request-reply.ts";
import type { MqttSession, OpenSession, SessionTarget } from "../connection/session.ts";
import { errorText } from "../error-text.ts";
import {
  ProvisioningError,
  ProvisioningRejectedError,
  type ProvisioningStep,
  ProvisioningTimeoutError,
} from "../errors.ts";

export interface ClaimSession {
  /** Connected and subscribed to every reply topic; rejects with a `connect` ProvisioningError. */
  readonly ready: Promise<void>;
  /**
   * Publishes `payload` on `topics.request` and waits for the reply. Resolves with the
   * accepted payload parsed by `schema`; throws `ProvisioningRejectedError` on `/rejected`,
   * `ProvisioningTimeoutError` after the timeout, `ProvisioningError` when the connection
   * drops or the reply breaks its contract.
   */
  request<S extends z.ZodType>(
    step: ProvisioningStep,
    topics: ReplyTopics,
    payload: unknown,
    schema: S,
  ): Promise<z.output<S>>;
  /** Ends the session; a pending `ready` or `request` rejects. */
  close(): Promise<void>;
}

interface Waiter {
  step: ProvisioningStep;
  topics: ReplyTopics;
  onAccepted(payload: Buffer): void;
  onRejected(payload: Buffer): void;
  fail(error: ProvisioningError): void;
}

/**
 * Opens an MQTT session with the claim certificate and subscribes to every reply topic
 * BEFORE any request is published: AWS IoT does not keep a reply for a client that was not
 * yet subscribed. Replies reach only the requesting connection, and one request is in
 * flight at a time, so a reply topic identifies its request.
 */
export function openClaimSession(options: {
  target: SessionTarget;
  replyTopics: readonly string[];
  openSession: OpenSession;
  timers: Timers;
  /** Longest wait for CONNACK plus SUBACK, and for each reply. */
  timeoutMs: number;
}): ClaimSession {
  const { timers, timeoutMs } = options;
  let waiter: Waiter | undefined;
  let ended: string | undefined;
  let onConnected: (session: MqttSession) => void = () => undefined;
  let onFailed: (error: ProvisioningError) => void = () => undefined;
  const connected = new Promise<MqttSession>((resolve, reject) => {
    onConnected = resolve;
    onFailed = reject;
  });
  const end = (reason: string, returnCode?: number) => {
    ended ??= reason;
    const code = returnCode === undefined ? "" : ` (return code ${returnCode})`;
    onFailed(
      new ProvisioningError(`claim connection failed: ${reason}${code}`, { step: "connect" }),
    );
    waiter?.fail(new ProvisioningError(`claim connection lost: ${reason}`, { step: waiter.step }));
  };

  // The session object exists as soon as the attempt starts, so close() can always end it.
  const opening = options
    .openSession(options.target, {
      onConnected: (session) => onConnected(session),
      onEnded: (info) => end(info.reason, info.returnCode),
      onMessage: (topic, payload) => {
        if (topic === waiter?.topics.accepted) waiter.onAccepted(payload);
        else if (topic === waiter?.topics.rejected) waiter.onRejected(payload);
      },
    })
    .catch((cause: unknown) => {
      end(`cannot open the claim connection: ${errorText(cause)}`);
      return undefined;
    });

  const withTimeout = <T>(promise: Promise<T>, step: ProvisioningStep): Promise<T> => {
    let timer: TimerHandle | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = timers.setTimeout(
        () => reject(new ProvisioningTimeoutError({ step, timeoutMs })),
        timeoutMs,
      );
    });
    return Promise.race([promise, expired]).finally(() => timers.clearTimeout(timer));
  };

  const ready = withTimeout(
    connected.then((session) =>
      session.subscribe(options.replyTopics).catch((cause: unknown) => {
        throw new ProvisioningError(
          `cannot subscribe to the provisioning replies: ${errorText(cause)}`,
          { step: "connect" },
          { cause },
        );
      }),
    ),
    "connect",
  );
  // Callers that close before awaiting `ready` must not see an unhandled rejection.
  ready.catch(() => undefined);

  return {
    ready,
    async request(step, topics, payload, schema) {
      await ready;
      if (ended !== undefined)
        throw new ProvisioningError(`claim connection lost: ${ended}`, { step });
      const session = await connected;
      const reply = new Promise<z.output<typeof schema>>((resolve, reject) => {
        waiter = {
          step,
          topics,
          fail: reject,
          onAccepted: (body) => {
            try {
              resolve(parseMessage(schema, body, topics.accepted));
            } catch (cause) {
              reject(new ProvisioningError(errorText(cause), { step }, { cause }));
            }
          },
          onRejected: (body) => reject(rejection(step, topics.rejected, body)),
        };
      });
      // A reply that loses the race against a failed publish must not surface as unhandled.
      reply.catch(() => undefined);
      try {
        await session.publish(topics.request, JSON.stringify(payload), 1);
        return await withTimeout(reply, step);
      } catch (error) {
        if (error instanceof ProvisioningError) throw error;
        throw new ProvisioningError(
          `cannot publish to ${topics.request}: ${errorText(error)}`,
          { step },
          { cause: error },
        );
      } finally {
        waiter = undefined;
      }
    },
    async close() {
      end("claim session closed");
      await (await opening)?.close();
    },
  };
}

function rejection(step: ProvisioningStep, topic: string, body: Buffer): ProvisioningError {
  let response: ProvisioningErrorResponse;
  try {
    response = parseMessage(ProvisioningErrorResponseSchema, body, topic);
  } catch (cause) {
    return new ProvisioningError(`${step} rejected: ${errorText(cause)}`, { step }, { cause });
  }
  return new ProvisioningRejectedError({ step, ...response });
}
