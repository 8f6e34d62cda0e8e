import {
  CancelJobCommand,
  DescribeJobCommand,
  IoTClient,
  type JobStatus,
} from "@aws-sdk/client-iot";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { JOB } from "../support/ota-fixtures.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const CANCELED = { ...JOB, status: "CANCELED", completedAt: "2026-11-21T10:30:00.000Z" };

describe("fleet jobs cancel against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();

  it("posts the cancel with --force and prints the canceled job", async () => {
    api.route = ({ url }) =>
      url === `/v1/jobs/${JOB.jobId}/cancel` ? { body: CANCELED } : undefined;
    const code = await main(["jobs", "cancel", JOB.jobId, "--force", "--state-dir", api.stateDir]);
    expect(stderr.join("")).toBe("");
    expect(code).toBe(0);
    expect(api.requests).toEqual([
      { method: "POST", url: `/v1/jobs/${JOB.jobId}/cancel`, body: '{"force":true}' },
    ]);
    expect(stdout.join("")).toMatch(/status.*CANCELED/);
  });

  it("--json prints the job; a job that already ended fails with the sandbox's reason", async () => {
    api.route = () => ({ body: CANCELED });
    expect(await main(["jobs", "cancel", JOB.jobId, "--json", "--state-dir", api.stateDir])).toBe(
      0,
    );
    expect(JSON.parse(api.requests[0]?.body ?? "")).toEqual({ force: false });
    expect(JSON.parse(stdout.join(""))).toEqual(CANCELED);

    api.route = () => ({ status: 409, body: { error: "job done is COMPLETED" } });
    expect(await main(["jobs", "cancel", "done", "--state-dir", api.stateDir])).toBe(1);
    expect(stderr.join("")).toMatch(/answered 409: job done is COMPLETED/);
  });
});

describe("fleet jobs cancel --stage", () => {
  const iot = mockClient(IoTClient);
  const ssm = mockClient(SSMClient);
  const sts = mockClient(STSClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });
  const job = (status: JobStatus) => ({
    job: { jobId: "j1", status, createdAt: new Date("2026-11-21T10:00:00Z") },
  });

  beforeEach(() => {
    for (const mock of [iot, ssm, sts]) mock.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "fleet-dev-artifacts-abc123" } });
    sts.on(GetCallerIdentityCommand).resolves({
      Account: "123456789012",
      Arn: "arn:aws:sts::123456789012:assumed-role/operator/me",
    });
    iot.on(CancelJobCommand).resolves({ jobId: "j1" });
  });

  it("cancels a job in progress with IoT CancelJob and prints it as it is then", async () => {
    iot.on(DescribeJobCommand).resolvesOnce(job("IN_PROGRESS")).resolves(job("CANCELED"));
    expect(await main(["jobs", "cancel", "j1", "--force", "--json", "--stage", "dev"])).toBe(0);
    expect(iot.commandCalls(CancelJobCommand).map((call) => call.args[0].input)).toEqual([
      { jobId: "j1", force: true },
    ]);
    expect(JSON.parse(stdout.join(""))).toMatchObject({ jobId: "j1", status: "CANCELED" });
  });

  it("refuses a job that already ended, and names an unknown one, without CancelJob", async () => {
    iot.on(DescribeJobCommand, { jobId: "j1" }).resolves(job("COMPLETED"));
    iot
      .on(DescribeJobCommand, { jobId: "nope" })
      .rejects(Object.assign(new Error("not found"), { name: "ResourceNotFoundException" }));
    expect(await main(["jobs", "cancel", "j1", "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toMatch(/job j1 is COMPLETED/);
    expect(await main(["jobs", "cancel", "nope", "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toMatch(/job nope does not exist/);
    expect(iot.commandCalls(CancelJobCommand)).toHaveLength(0);
  });
});
