import type { AddressInfo } from "node:net";
import type { FleetInventory } from "@fleet/core";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

export interface SandboxApiOptions {
  /** Interface to listen on. Default `127.0.0.1`: the API has no authentication, so loopback only. */
  host?: string;
  /** Port. Default 0 (a free port; clients find it in `sandbox.json`). */
  port?: number;
}

const DEFAULTS = { host: "127.0.0.1", port: 0 } as const;

export interface SandboxApi {
  url: string;
  close(): Promise<void>;
}

/** The loopback HTTP API the CLI (and later a dashboard) talks to. */
export function createSandboxApp(inventory: FleetInventory): Hono {
  const app = new Hono();
  app.get("/v1/health", (c) => c.json({ ok: true }));
  app.get("/v1/devices", async (c) => c.json(await inventory.listDevices()));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => c.json({ error: error.message }, 500));
  return app;
}

export async function startSandboxApi(
  inventory: FleetInventory,
  options: SandboxApiOptions = {},
): Promise<SandboxApi> {
  const { host, port } = { ...DEFAULTS, ...options };
  const app = createSandboxApp(inventory);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
