import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { BusClient } from "../../../src/local-bus/index.ts";

const HELLO_TOPIC = "test/hello";

/** A raw bus party for tests: what an app does on the socket, line by line. */
export interface TestSocketClient {
  send(topic: string, payload: unknown): void;
  sendRaw(text: string): void;
  /** Resolves with the payload of the next message on `topic`. */
  next(topic: string): Promise<unknown>;
  /** Every message received so far (handshakes aside). */
  readonly received: { topic: string; payload: unknown }[];
  close(): void;
}

/**
 * Connects, then waits until the bus has taken the connection in (a hello reaches the device
 * client), so a message published right after is delivered to it.
 */
export async function connectTestClient(
  socketPath: string,
  device: BusClient,
): Promise<TestSocketClient> {
  const client = await connectSocket(socketPath);
  const hello = new Promise<void>((resolve) => {
    const stop = device.on(HELLO_TOPIC, () => {
      stop();
      resolve();
    });
  });
  client.send(HELLO_TOPIC, null);
  await hello;
  return client;
}

async function connectSocket(socketPath: string): Promise<TestSocketClient> {
  const socket: Socket = connect(socketPath);
  await once(socket, "connect");
  socket.setEncoding("utf8");
  const received: { topic: string; payload: unknown }[] = [];
  const waiters: { topic: string; resolve(payload: unknown): void }[] = [];
  let buffered = "";
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const message = JSON.parse(line) as { topic: string; payload: unknown };
      if (message.topic === HELLO_TOPIC) continue; // other test clients' handshakes
      received.push(message);
      const index = waiters.findIndex((waiter) => waiter.topic === message.topic);
      if (index !== -1) waiters.splice(index, 1)[0]?.resolve(message.payload);
    }
  });
  return {
    send: (topic, payload) => socket.write(`${JSON.stringify({ topic, payload })}\n`),
    sendRaw: (text) => socket.write(text),
    next: (topic) => new Promise((resolve) => waiters.push({ topic, resolve })),
    received,
    close: () => socket.destroy(),
  };
}
