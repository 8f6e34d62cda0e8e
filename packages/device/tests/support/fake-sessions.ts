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
  closed: boolean;
  /** The broker sends CONNACK 0. */
  accept(): void;
  /** The session ends (refusal, failed attempt or lost connection). */
  end(end: SessionEnd): void;
}

/** An `OpenSession` whose sessions the test drives by hand, one per connection attempt. */
export function createFakeSessions() {
  const sessions: FakeSession[] = [];
  const open: OpenSession = async (target: SessionTarget, handlers: SessionHandlers) => {
    const mqttSession: MqttSession = {
      async publish(topic, payload, qos) {
        fake.published.push({ topic, payload, qos });
      },
      async close() {
        fake.closed = true;
      },
    };
    const fake: FakeSession = {
      target,
      published: [],
      closed: false,
      accept: () => handlers.onConnected(mqttSession),
      end: (end) => handlers.onEnded(end),
    };
    sessions.push(fake);
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
