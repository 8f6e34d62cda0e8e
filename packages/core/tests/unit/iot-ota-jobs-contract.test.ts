import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  InvalidRequestException,
  IoTClient,
  type Job,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { IotOtaJobs } from "../../src/adapters/aws/index.ts";
import { describeOtaJobs } from "../port-suites/index.ts";

const ARN = "arn:aws:iot:eu-west-1:123456789012";
const notFound = () => new ResourceNotFoundException({ message: "not found", $metadata: {} });

/** AWS IoT Jobs as aws-sdk-client-mock answers them: jobs kept as CreateJob made them. */
describeOtaJobs("IotOtaJobs (aws-sdk-client-mock)", async () => {
  const iot = new IoTClient({ region: "eu-west-1" });
  const mock = mockClient(iot);
  const things = new Set<string>();
  const groups = new Set<string>();
  const jobs = new Map<string, Job>();
  mock.on(DescribeThingGroupCommand).callsFake((input) => {
    if (!groups.has(input.thingGroupName ?? "")) throw notFound();
    return { thingGroupArn: `${ARN}:thinggroup/${input.thingGroupName}` };
  });
  mock.on(DescribeThingCommand).callsFake((input) => {
    if (!things.has(input.thingName ?? "")) throw notFound();
    return { thingArn: `${ARN}:thing/${input.thingName}` };
  });
  mock.on(CreateJobCommand).callsFake((input) => {
    const jobId = input.jobId ?? "";
    jobs.set(jobId, {
      jobId,
      status: "IN_PROGRESS",
      targetSelection: input.targetSelection,
      createdAt: new Date(),
      jobProcessDetails: {},
    });
    return { jobId };
  });
  mock.on(DescribeJobCommand).callsFake((input) => {
    const job = jobs.get(input.jobId ?? "");
    if (job === undefined) throw notFound();
    return { job };
  });
  // AWS refuses to cancel a job that ended with InvalidRequestException.
  mock.on(CancelJobCommand).callsFake((input) => {
    const job = jobs.get(input.jobId ?? "");
    if (job === undefined) throw notFound();
    if (job.status !== "IN_PROGRESS") {
      throw new InvalidRequestException({ message: `job is ${job.status}`, $metadata: {} });
    }
    jobs.set(job.jobId ?? "", { ...job, status: "CANCELED" });
    return { jobId: job.jobId };
  });
  return {
    jobs: new IotOtaJobs({ iot, presignRoleArn: "arn:aws:iam::123456789012:role/presign" }),
    async seed(state) {
      for (const thing of state.things) things.add(thing);
      for (const group of Object.keys(state.groups)) groups.add(group);
    },
    async close() {
      mock.restore();
    },
  };
});
