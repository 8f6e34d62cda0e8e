import { chmod, lstat, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { LocalBusError } from "../errors.ts";
import {
  type BusMessage,
  encodeBusMessage,
  MAX_BUS_LINE_BYTES,
  parseBusLine,
} from "./bus-message.ts";

export interface BusClient {
  /** Sends to every connected app (not to this client's own listeners). */
  publish(topic: string, payload: unknown): void;
  /** Listens to one topic; returns the function that stops listening. */
  on(topic: string, listener: (payload: unknown) => void): () => void;
}

export interface LocalBus {
  readonly socketPath: string;
  /** Disconnects every app, stops listening and removes the socket file. */
  close(): Promise<void>;
}

export interface LocalBusOptions {
  /** Unix socket path (the device uses `<stateDir>/bus.sock`); a stale file there is replaced. */
  socketPath: string;
  logger: Logger;
}

/**
 * Serves the local bus: a Unix socket (mode 0600, so only the device's user and its apps can
 * talk on it) carrying newline-delimited JSON `{topic, payload}`. Every message from an app
 * or from the device client reaches every other party, never back to its sender. A line that
 * is not a bus message (not JSON, nested too deep, too long) is logged and dropped; the sender
 * stays connected.
 */
export async function startLocalBus(options: LocalBusOptions): Promise<LocalBus & BusClient> {
  const { socketPath } = options;
  const logger = options.logger.child({ socketPath });
  const sockets = new Set<Socket>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  function deliver(message: BusMessage, from: Socket | undefined): void {
    const line = encodeBusMessage(message);
    for (const socket of sockets) {
      if (socket !== from && socket.writable) socket.write(line);
    }
    if (from === undefined) return;
    for (const listener of listeners.get(message.topic) ?? []) {
      try {
        listener(message.payload);
      } catch (error) {
        logger.warn({ err: error, topic: message.topic }, "bus.listener-failed");
      }
    }
  }

  function accept(socket: Socket): void {
    sockets.add(socket);
    logger.debug({ clients: sockets.size }, "bus.client-connected");
    socket.setEncoding("utf8");
    let buffered = "";
    // Set while the rest of a too-long line streams in: memory stays bounded, and the app
    // keeps its connection for the lines after it.
    let skipping = false;
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (skipping) skipping = false;
        else if (line !== "") {
          const parsed = parseBusLine(line);
          if (parsed.ok) deliver(parsed.message, socket);
          else logger.warn({ reason: parsed.reason }, "bus.invalid-message-dropped");
        }
        newline = buffered.indexOf("\n");
      }
      if (Buffer.byteLength(buffered) > MAX_BUS_LINE_BYTES) {
        if (!skipping) logger.warn({ maxBytes: MAX_BUS_LINE_BYTES }, "bus.line-too-long");
        buffered = "";
        skipping = true;
      }
    });
    socket.on("error", (error) => logger.debug({ err: error }, "bus.client-error"));
    socket.on("close", () => {
      sockets.delete(socket);
      logger.debug({ clients: sockets.size }, "bus.client-disconnected");
    });
  }

  await removeStaleSocket(socketPath);
  const server = createServer(accept);
  await listen(server, socketPath);
  // The socket lives in the 0700 state dir; 0600 also keeps it private if that ever changes.
  await chmod(socketPath, 0o600);
  logger.info("bus.listening");

  return {
    socketPath,
    publish(topic, payload) {
      deliver({ topic, payload }, undefined);
    },
    on(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      set.add(listener);
      listeners.set(topic, set);
      return () => {
        set.delete(listener);
      };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await unlink(socketPath).catch(() => undefined);
      logger.info("bus.closed");
    },
  };
}

/** A socket file left by a device process that died; anything else at that path is an error. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const stat = await lstat(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new LocalBusError(`cannot inspect ${socketPath}`, { socketPath }, { cause: error });
  });
  if (stat === undefined) return;
  if (!stat.isSocket()) {
    throw new LocalBusError(`${socketPath} exists and is not a socket: refusing to replace it`, {
      socketPath,
    });
  }
  await unlink(socketPath);
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) =>
      reject(new LocalBusError(`cannot listen on ${socketPath}`, { socketPath }, { cause: error })),
    );
    server.listen(socketPath, () => resolve());
  });
}
