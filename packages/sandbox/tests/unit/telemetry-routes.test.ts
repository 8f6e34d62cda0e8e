import type { TelemetryQuery } from "@fleet/core";
import { describe, expect, it } from "vitest";
import { createSandboxApp } from "../../src/http-api/sandbox-api.ts";

const ACCESS = { token: "telemetry-routes-test-token", port: () => 4000 };

/** A GET as the CLI sends it: loopback Host, the bearer token. */
function request(app: ReturnType<typeof createSandboxApp>, path: string): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      headers: { host: "127.0.0.1:4000", authorization: `Bearer ${ACCESS.token}` },
    }),
  );
}

function appRecordingQueries() {
  const queries: TelemetryQuery[] = [];
  const app = createSandboxApp(
    {
      listDevices: async () => [],
      async queryTelemetry(query) {
        queries.push(query);
        return [
          {
            thing: query.thing,
            time: new Date("2026-01-02T03:04:05.000Z"),
            seq: 3,
            measure: "vehicle.speedKph",
            value: 42,
          },
        ];
      },
      listDeadLetters: async () => [],
    },
    ACCESS,
  );
  return { app, queries };
}

describe("the sandbox API's telemetry routes", () => {
  it("answers samples with ISO times for a device, a relative since, a measure and a limit", async () => {
    const { app, queries } = appRecordingQueries();
    const before = Date.now();
    const response = await request(
      app,
      "/v1/telemetry?device=SN-1&since=15m&measure=vehicle.speedKph&limit=5",
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        thing: "SN-1",
        time: "2026-01-02T03:04:05.000Z",
        seq: 3,
        measure: "vehicle.speedKph",
        value: 42,
      },
    ]);
    const [query] = queries;
    expect(query).toMatchObject({ thing: "SN-1", measure: "vehicle.speedKph", limit: 5 });
    const since = query?.since.getTime() ?? 0;
    expect(since).toBeGreaterThanOrEqual(before - 15 * 60_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 15 * 60_000);
  });

  it("takes an ISO 8601 since and until", async () => {
    const { app, queries } = appRecordingQueries();
    await request(
      app,
      "/v1/telemetry?device=SN-1&since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z",
    );
    expect(queries[0]).toEqual({
      thing: "SN-1",
      since: new Date("2026-01-01T00:00:00Z"),
      until: new Date("2026-01-02T00:00:00Z"),
    });
  });

  it("refuses a query without a device, with a bad since or a bad limit, naming the parameter", async () => {
    const { app, queries } = appRecordingQueries();
    for (const [path, parameter] of [
      ["/v1/telemetry?since=15m", "device"],
      ["/v1/telemetry?device=SN-1&since=yesterday", "since"],
      ["/v1/telemetry?device=SN-1&since=15m&limit=0", "limit"],
      ["/v1/dead-letters?since=15", "since"],
    ] as const) {
      const response = await request(app, path);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ parameter });
    }
    expect(queries).toEqual([]);
  });

  it("answers 404 when the backend keeps no telemetry", async () => {
    const app = createSandboxApp({ listDevices: async () => [] }, ACCESS);
    expect((await request(app, "/v1/telemetry?device=SN-1&since=15m")).status).toBe(404);
    expect((await request(app, "/v1/dead-letters")).status).toBe(404);
  });
});
