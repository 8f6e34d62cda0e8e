import type {
  MqttSession,
  OpenSession,
  SessionEnd,
  SessionHandlers,
  SessionTarget,
} from "../../src/connection/session.ts";

export interface FakeSession {
  target: SessionTarget;
  published: { topic: string; payload: string; qos: 0 | 1 }[];
  subscribed: string[];
  closed: boolean;
  /** The broker sends CONNACK 0. */
  accept(): void;
  /** The session ends (refusal, failed attempt or lost connection). */
  end(end: SessionEnd): void;
  /** The broker delivers a message to this client (JSON-encoded unless a string or bytes). */
  deliver(topic: string, payload: unknown): void;
}

export interface FakeSessionsOptions {
  /** Called when a session is opened, e.g. to accept or refuse it as the broker would. */
  onOpen?: (session: FakeSession) => void;
  /** Called after each publish, e.g. to answer a request as the cloud would. */
  onPublish?: (session: FakeSession, topic: string, payload: string) => void;
}

/** An `OpenSession` whose sessions the test drives by hand, one per connection attempt. */
export function createFakeSessions(options: FakeSessionsOptions = {}) {
  const sessions: FakeSession[] = [];
  const open: OpenSession = async (target: SessionTarget, handlers: SessionHandlers) => {
    const mqttSession: MqttSession = {
      async publish(topic, payload, qos) {
        fake.published.push({ topic, payload, qos });
        options.onPublish?.(fake, topic, payload);
      },
      async subscribe(filters) {
        fake.subscribed.push(...filters);
      },
      async close() {
        fake.closed = true;
      },
    };
    const fake: FakeSession = {
      target,
      published: [],
      subscribed: [],
      closed: false,
      accept: () => handlers.onConnected(mqttSession),
      end: (end) => handlers.onEnded(end),
      deliver: (topic, payload) =>
        handlers.onMessage?.(
          topic,
          payload instanceof Uint8Array
            ? Buffer.from(payload)
            : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)),
        ),
    };
    sessions.push(fake);
    // Answered after open() returns, as a real broker's CONNACK arrives later.
    if (options.onOpen) queueMicrotask(() => options.onOpen?.(fake));
    return mqttSession;
  };
  return {
    open,
    sessions,
    latest(): FakeSession {
      const session = sessions.at(-1);
      if (session === undefined) throw new Error("no session was opened");
      return session;
    },
  };
}
