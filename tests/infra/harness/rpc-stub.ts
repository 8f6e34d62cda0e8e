import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A loopback stand-in for the RPC server the SST CLI runs during a deploy (`SST_SERVER`).
 * Components call it with JSON-RPC 1.0 over HTTP POST /rpc (see
 * .sst/platform/src/components/rpc/rpc.ts). Only the methods a deploy without AWS needs are
 * answered; any other gets the "can't find" error the CLI gives, so a component that needs
 * more fails loudly instead of silently.
 */

/** What a component asked `Runtime.Build` to build (the function's handler, runtime, ...). */
export interface BuildRequest {
  functionID: string;
  handler: string;
  runtime: string;
  properties?: { architecture?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RpcStub {
  /** URL to put in `SST_SERVER`. */
  url: string;
  /** Every `Runtime.Build` request received, oldest first. */
  builds: BuildRequest[];
  close(): Promise<void>;
}

export const STUB_ASSET_BUCKET = "sst-asset-stub";

export async function startRpcStub(): Promise<RpcStub> {
  const workDir = mkdtempSync(join(tmpdir(), "fleet-sst-rpc-"));
  const builds: BuildRequest[] = [];

  const methods: Record<string, (args: never) => unknown> = {
    "Provider.Aws.Bootstrap": () => ({
      asset: STUB_ASSET_BUCKET,
      assetEcrRegistryId: "123456789012",
      assetEcrUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sst-asset",
      state: "sst-state-stub",
      appsyncHttp: "stub.appsync-api.eu-west-1.amazonaws.com",
      appsyncRealtime: "stub.appsync-realtime-api.eu-west-1.amazonaws.com",
    }),
    // The real CLI bundles the handler with esbuild; here the bundle is one placeholder file
    // (tests/infra/bundle-handlers.test.ts checks that every handler really bundles).
    "Runtime.Build": (request: BuildRequest) => {
      builds.push(request);
      const out = join(workDir, "artifacts", request.functionID);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "index.mjs"), "export const handler = async () => {};\n");
      return { handler: request.handler, out, errors: [], sourcemaps: [] };
    },
  };

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      const answer = methods[method];
      const reply = answer
        ? { result: answer(params[0] as never), error: null }
        : { result: null, error: `rpc: can't find method ${method}` };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    builds,
    close: async () => {
      await new Promise<void>((closed) => server.close(() => closed()));
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
