// Sends the process's AWS SDK and fetch traffic for AWS hosts to the loopback store server, at
// the transport and nowhere above it: the SDK still serializes, signs, discovers its
// Timestream endpoint (DescribeEndpoints, then writes to the address it names) and retries as
// in Lambda; the handler's InfluxDB fetches keep their URL and token. Only where the bytes go
// changes, and the host the client meant travels in `x-forwarded-host` for the server to check.

import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HttpRequest } from "@smithy/protocol-http";

/** Hosts routed to loopback: AWS endpoints, and the InfluxDB URL the bench configures. */
function routed(hostname: string, influxHost: string): boolean {
  return hostname.endsWith(".amazonaws.com") || hostname === influxHost;
}

/** Routes AWS (and `influxHost`) traffic to `127.0.0.1:port` for the rest of the process. */
export function routeToLoopback(port: number, influxHost: string): void {
  const handle = NodeHttpHandler.prototype.handle;
  NodeHttpHandler.prototype.handle = function (
    this: NodeHttpHandler,
    request: HttpRequest,
    options?: Parameters<NodeHttpHandler["handle"]>[1],
  ) {
    if (routed(request.hostname, influxHost)) {
      request.headers["x-forwarded-host"] = request.hostname;
      request.protocol = "http:";
      request.hostname = "127.0.0.1";
      request.port = port;
    }
    return handle.call(this, request, options);
  };
  const fetchBefore = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (!routed(url.hostname, influxHost)) return fetchBefore(input, init);
    const headers = new Headers(init?.headers);
    headers.set("x-forwarded-host", url.hostname);
    const target = new URL(`${url.pathname}${url.search}`, `http://127.0.0.1:${port}`);
    return fetchBefore(target, { ...init, headers });
  };
}
