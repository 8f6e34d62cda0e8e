import {
  CancelJobExecutionCommand,
  CreateJobCommand,
  DescribeJobTemplateCommand,
  DescribeThingCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { rotationJobDescription } from "../../contracts/job-document.ts";
import { FleetError } from "../../errors.ts";
import type { JobStarter } from "../../ports/job-starter.ts";
import { callAws, errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";

export interface IotJobStarterOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /**
   * The id of the stage's rotation job template (in SSM
   * `stageResourceNames(stage).rotationJobTemplateParameter`; it changes with the template's
   * content): it carries the `rotate-certificate` document and the in-progress timeout
   * (stacks/certificates.ts).
   */
  jobTemplateId: string;
  /** Its ARN when known (the Lambdas get it from the stack); otherwise DescribeJobTemplate, once. */
  jobTemplateArn?: string;
  /**
   * The thing's ARN, which CreateJob targets. Default: asked of AWS IoT with DescribeThing
   * (one more call per rotation).
   */
  thingArnOf?: (thingName: string) => string;
}

/**
 * Starts rotation jobs in AWS IoT Jobs: one snapshot job per rotation, targeting one thing,
 * created from the stage's job template. The job id is the rotation id; the template's document
 * names no rotation, so one template serves every rotation.
 */
export class IotJobStarter implements JobStarter {
  readonly #iot: IoTClient;
  readonly #jobTemplateId: string;
  readonly #thingArnOf: ((thingName: string) => string) | undefined;
  #jobTemplateArn: Promise<string> | undefined;

  constructor(options: IotJobStarterOptions) {
    this.#iot = options.iot;
    this.#jobTemplateId = options.jobTemplateId;
    this.#thingArnOf = options.thingArnOf;
    if (options.jobTemplateArn !== undefined) {
      this.#jobTemplateArn = Promise.resolve(options.jobTemplateArn);
    }
  }

  async startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }> {
    const jobTemplateArn = await this.#templateArn();
    const thingArn = await this.#thingArn(thingName);
    await callAws(IOT_SERVICE, "CreateJob", () =>
      this.#iot.send(
        new CreateJobCommand({
          jobId: rotationId,
          jobTemplateArn,
          targets: [thingArn],
          // SNAPSHOT: the job ends with this thing's execution; it never picks up other things.
          targetSelection: "SNAPSHOT",
          description: rotationJobDescription(thingName),
        }),
      ),
    );
    return { jobId: rotationId };
  }

  /**
   * force: the device has usually taken the job (IN_PROGRESS), which only a forced cancel
   * ends; the device learns it from its next job update being rejected.
   */
  async cancelJob(jobId: string, thingName: string, reason: string): Promise<void> {
    try {
      await this.#iot.send(
        new CancelJobExecutionCommand({
          jobId,
          thingName,
          force: true,
          statusDetails: { reason: reason.slice(0, 1024) },
        }),
      );
    } catch (error) {
      // Gone, or already in a terminal status (SUCCEEDED, FAILED, CANCELED...): nothing to cancel.
      const name = errorName(error);
      if (name === "ResourceNotFoundException" || name === "InvalidStateTransitionException") {
        return;
      }
      throw mapAwsError(IOT_SERVICE, "CancelJobExecution", error);
    }
  }

  #templateArn(): Promise<string> {
    this.#jobTemplateArn ??= this.#describeTemplate().catch((error: unknown) => {
      // A failed lookup is not cached: the next rotation asks again.
      this.#jobTemplateArn = undefined;
      throw error;
    });
    return this.#jobTemplateArn;
  }

  async #describeTemplate(): Promise<string> {
    const template = await callAws(IOT_SERVICE, "DescribeJobTemplate", () =>
      this.#iot.send(new DescribeJobTemplateCommand({ jobTemplateId: this.#jobTemplateId })),
    );
    if (template.jobTemplateArn === undefined) {
      throw new FleetError(`AWS IoT described job template ${this.#jobTemplateId} without its ARN`);
    }
    return template.jobTemplateArn;
  }

  async #thingArn(thingName: string): Promise<string> {
    if (this.#thingArnOf !== undefined) return this.#thingArnOf(thingName);
    const thing = await callAws(IOT_SERVICE, "DescribeThing", () =>
      this.#iot.send(new DescribeThingCommand({ thingName })),
    );
    if (thing.thingArn === undefined) {
      throw new FleetError(`AWS IoT described thing ${thingName} without its ARN`);
    }
    return thing.thingArn;
  }
}
