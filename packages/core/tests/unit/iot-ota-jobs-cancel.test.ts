import {
  CancelJobCommand,
  InvalidRequestException,
  IoTClient,
  ResourceNotFoundException,
  UnauthorizedException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError, IotOtaJobs } from "../../src/adapters/aws/index.ts";
import { JobNotCancelableError, JobNotFoundError } from "../../src/contracts/index.ts";

const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);
const jobs = new IotOtaJobs({ iot, presignRoleArn: "arn:aws:iam::123456789012:role/presign" });

describe("IotOtaJobs.cancelJob", () => {
  beforeEach(() => mock.reset());

  it("sends CancelJob with the job id and force", async () => {
    mock.on(CancelJobCommand).resolves({ jobId: "j1" });
    await jobs.cancelJob("j1", { force: true });
    await jobs.cancelJob("j2", { force: false });
    expect(mock.commandCalls(CancelJobCommand).map((call) => call.args[0].input)).toEqual([
      { jobId: "j1", force: true },
      { jobId: "j2", force: false },
    ]);
  });

  it("names an unknown job, and a job IoT refuses to cancel", async () => {
    mock
      .on(CancelJobCommand, { jobId: "gone" })
      .rejects(new ResourceNotFoundException({ message: "no job", $metadata: {} }));
    mock
      .on(CancelJobCommand, { jobId: "done" })
      .rejects(new InvalidRequestException({ message: "job is COMPLETED", $metadata: {} }));
    await expect(jobs.cancelJob("gone", { force: false })).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(jobs.cancelJob("done", { force: false })).rejects.toBeInstanceOf(
      JobNotCancelableError,
    );
  });

  it("turns a refused CancelJob into an access error naming iot:CancelJob", async () => {
    mock.on(CancelJobCommand).rejects(new UnauthorizedException({ message: "no", $metadata: {} }));
    const error = await jobs.cancelJob("j1", { force: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as AwsAccessDeniedError).operation).toBe("CancelJob");
  });
});
