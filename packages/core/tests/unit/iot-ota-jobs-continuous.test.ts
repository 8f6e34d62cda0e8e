import {
  CreateJobCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IotOtaJobs } from "../../src/adapters/aws/index.ts";

const ARN = "arn:aws:iot:eu-west-1:123456789012";
const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);
const jobs = new IotOtaJobs({ iot, presignRoleArn: "arn:aws:iam::123456789012:role/presign" });

describe("IotOtaJobs: continuous fleet jobs", () => {
  beforeEach(() => {
    mock.reset();
    mock
      .on(DescribeThingGroupCommand)
      .resolves({ thingGroupName: "fleet", thingGroupArn: `${ARN}:thinggroup/fleet` });
  });

  it("creates a continuous job as a snapshot one, with targetSelection CONTINUOUS", async () => {
    const spec = {
      targets: [{ kind: "group" as const, name: "fleet" }],
      document: { version: "1" as const, steps: [] },
      description: "Release led-1_3_0-1795000000: led 1.3.0",
      abortFailurePct: 10,
    };
    await jobs.createJob({ ...spec, jobId: "snapshot" });
    await jobs.createJob({ ...spec, jobId: "continuous", continuous: true });

    const [snapshot, continuous] = mock.commandCalls(CreateJobCommand).map((c) => c.args[0].input);
    expect(snapshot?.targetSelection).toBe("SNAPSHOT");
    expect(continuous).toEqual({
      ...snapshot,
      jobId: "continuous",
      targets: [`${ARN}:thinggroup/fleet`],
      targetSelection: "CONTINUOUS",
    });
  });

  it("says a described job is continuous", async () => {
    mock.on(DescribeJobCommand).resolves({
      job: {
        jobId: "led-fleet",
        status: "IN_PROGRESS",
        targetSelection: "CONTINUOUS",
        createdAt: new Date("2026-11-22T00:00:00Z"),
        jobProcessDetails: { numberOfSucceededThings: 3 },
      },
    });

    expect(await jobs.describeJob("led-fleet")).toMatchObject({
      targetSelection: "CONTINUOUS",
      counts: { succeeded: 3, queued: 0, inProgress: 0 },
    });
  });
});
