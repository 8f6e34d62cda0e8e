// Runs kinesalite in a worker thread (see `startLocalKinesis`): its request handling (sequence
// numbers in bignumber.js, an in-memory LevelDB) took a quarter of the sandbox's main thread at
// 1,000 messages a second. Reports `{ port }` once listening; on `"close"` closes the server
// and its connections, then reports `"closed"` (the parent then ends the thread).
import { parentPort, workerData } from "node:worker_threads";
import kinesalite from "kinesalite";
import { listen } from "../listen.ts";

const { host } = workerData as { host: string };
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
const port = await listen(server, 0, host);
parentPort?.postMessage({ port });
parentPort?.on("message", (message: unknown) => {
  if (message !== "close") return;
  server.close(() => parentPort?.postMessage("closed"));
  server.closeAllConnections();
});
