import { JobDetailSchema, JobSummarySchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

describe("the sandbox HTTP API's job routes", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  const create = (body: unknown) =>
    apiFetch(api, `/v1/jobs`, { method: "POST", body: JSON.stringify(body) });

  beforeAll(async () => {
    env = await startTestSandbox("jobs-http");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  it("creates a job and serves it with one queued execution per target", async () => {
    const { device } = await env.enroll("SN-HTTP-JOB-1");
    const created = await create({
      jobId: "http-job",
      document: { operation: "reboot" },
      targets: [device.thingName],
    });
    expect(created.status).toBe(201);
    const shown = JobDetailSchema.parse(await (await apiFetch(api, `/v1/jobs/http-job`)).json());
    expect(shown).toMatchObject({ status: "IN_PROGRESS", counts: { queued: 1 } });
    expect(shown.executions).toMatchObject([{ thingName: device.thingName, status: "QUEUED" }]);
    const listed = JobSummarySchema.array().parse(await (await apiFetch(api, `/v1/jobs`)).json());
    expect(listed.map((job) => job.jobId)).toContain("http-job");
    expect(
      (await create({ jobId: "http-job", document: {}, targets: [device.thingName] })).status,
    ).toBe(409);
  });

  it("answers 400 naming a bad job id, 404 for an unknown target or job", async () => {
    const bad = await create({ jobId: "no spaces", document: {}, targets: ["SN-X"] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: "jobId" });
    expect((await create({ jobId: "orphan", document: {}, targets: ["SN-NONE"] })).status).toBe(
      404,
    );
    expect((await apiFetch(api, `/v1/jobs/missing`)).status).toBe(404);
  });
});
