import { connect } from "node:net";

const MIN_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;
/** Messages kept while the device client is away (restart, update); older ones are dropped. */
const MAX_QUEUED = 100;

/**
 * Client of the device's local bus (`FLEET_BUS_SOCKET`): newline-delimited JSON
 * `{topic, payload}` over a Unix socket. Reconnects with jittered exponential backoff, so the
 * app keeps working while the device client restarts; publishes made meanwhile are queued.
 *
 * @param {{ socketPath: string, log: ReturnType<import("./log.js").createLog>, onConnect?: () => void }} options
 */
export function connectBus({ socketPath, log, onConnect }) {
  const listeners = new Map();
  const queue = [];
  let socket;
  let connected = false;
  let closed = false;
  let attempt = 0;
  let retryTimer;

  function open() {
    const current = connect(socketPath);
    socket = current;
    current.setEncoding("utf8");
    let buffered = "";
    current.on("connect", () => {
      connected = true;
      attempt = 0;
      log.info("bus.connected", { socketPath });
      for (const line of queue.splice(0)) current.write(line);
      onConnect?.();
    });
    current.on("data", (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        dispatch(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    });
    current.on("error", (error) => {
      if (connected || attempt === 0) log.warn("bus.error", { code: error.code });
    });
    current.on("close", () => {
      if (connected) log.warn("bus.disconnected", { socketPath });
      connected = false;
      if (closed) return;
      const ceiling = Math.min(MAX_RECONNECT_MS, MIN_RECONNECT_MS * 2 ** attempt);
      attempt += 1;
      retryTimer = setTimeout(open, ceiling / 2 + Math.random() * (ceiling / 2));
    });
  }

  function dispatch(line) {
    if (line.trim() === "") return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      log.warn("bus.invalid-line");
      return;
    }
    for (const listener of listeners.get(message?.topic) ?? []) listener(message.payload);
  }

  open();
  return {
    publish(topic, payload) {
      const line = `${JSON.stringify({ topic, payload })}\n`;
      if (connected) socket.write(line);
      else if (queue.push(line) > MAX_QUEUED) queue.shift();
    },
    /** @returns {() => void} stops listening */
    on(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      set.add(listener);
      listeners.set(topic, set);
      return () => set.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket.end();
    },
  };
}
