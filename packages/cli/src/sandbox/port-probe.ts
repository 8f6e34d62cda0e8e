import { createServer } from "node:net";

/**
 * Resolves when `port` on `host` can be listened on now (port 0: any free port, always), by
 * listening and closing at once; rejects with the listen error (EADDRINUSE, EACCES) otherwise.
 * Lets `fleet sandbox` refuse a taken port before it creates any state.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
