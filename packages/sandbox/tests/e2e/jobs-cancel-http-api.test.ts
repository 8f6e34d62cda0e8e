import { JobSummarySchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

describe("the sandbox HTTP API's job cancel route", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  let thingName: string;
  const create = (jobId: string) =>
    apiFetch(api, `/v1/jobs`, {
      method: "POST",
      body: JSON.stringify({ jobId, document: { operation: "reboot" }, targets: [thingName] }),
    });
  const cancel = (jobId: string, body: unknown = {}) =>
    apiFetch(api, `/v1/jobs/${jobId}/cancel`, { method: "POST", body: JSON.stringify(body) });

  beforeAll(async () => {
    env = await startTestSandbox("jobs-cancel");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
    ({ thingName } = (await env.enroll("SN-CANCEL-1")).device);
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  it("cancels a job in progress and its queued executions, answering the job", async () => {
    expect((await create("to-cancel")).status).toBe(201);
    const response = await cancel("to-cancel");
    expect(response.status).toBe(200);
    expect(JobSummarySchema.parse(await response.json())).toMatchObject({
      jobId: "to-cancel",
      status: "CANCELED",
      counts: { queued: 0, canceled: 1 },
    });
    expect(env.sandbox.jobs.findJobExecution("to-cancel", thingName)?.status).toBe("CANCELED");
  });

  it("answers 409 for a job already canceled or completed, 404 for an unknown one", async () => {
    const again = await cancel("to-cancel");
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toContain("CANCELED");

    expect((await create("to-complete")).status).toBe(201);
    await env.sandbox.jobs.cancelJobExecution("to-complete", thingName, { force: false });
    expect(env.sandbox.jobs.describeJob("to-complete").status).toBe("COMPLETED");
    expect((await cancel("to-complete", { force: true })).status).toBe(409);

    expect((await cancel("no-such-job")).status).toBe(404);
  });

  it("answers 400 for a body with a field it does not know", async () => {
    expect((await create("kept")).status).toBe(201);
    const response = await cancel("kept", { forced: true });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: "body" });
  });
});
