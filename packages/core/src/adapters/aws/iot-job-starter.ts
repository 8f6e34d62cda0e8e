import { createHash } from "node:crypto";
import {
  CancelJobExecutionCommand,
  CreateJobCommand,
  DescribeThingCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import type { RotateCertificateJobDocument } from "../../contracts/rotation.ts";
import { FleetError } from "../../errors.ts";
import type { JobStarter } from "../../ports/job-starter.ts";
import { callAws, errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";

export interface IotJobStarterOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /**
   * The thing's ARN, which CreateJob targets. Default: asked of AWS IoT with DescribeThing
   * (one more call per rotation).
   */
  thingArnOf?: (thingName: string) => string;
  /**
   * Minutes a device may keep its execution IN_PROGRESS before AWS IoT marks it TIMED_OUT.
   * Default 60; the rotation's own deadline is what the sweeper acts on.
   */
  inProgressTimeoutMinutes?: number;
  /** Clock for job ids. Default Date.now. */
  now?: () => number;
}

const DEFAULTS = { inProgressTimeoutMinutes: 60, now: Date.now } as const;

const JOB_ID_MAX = 64;
const HASH_CHARS = 8;

/**
 * The job id `rotate-<thing>-<epochSeconds>`. Job ids allow 64 characters of [a-zA-Z0-9_-],
 * thing names 128 of [a-zA-Z0-9:_-]: a thing name that does not fit as it is is shortened,
 * ':' replaced by '_', and a hash of the full name added so distinct things keep distinct ids.
 */
export function rotationJobId(thingName: string, epochSeconds: number): string {
  const suffix = `-${epochSeconds}`;
  const plain = `rotate-${thingName}${suffix}`;
  if (plain.length <= JOB_ID_MAX && !thingName.includes(":")) return plain;
  const hash = createHash("sha256").update(thingName).digest("hex").slice(0, HASH_CHARS);
  const room = JOB_ID_MAX - "rotate-".length - HASH_CHARS - 1 - suffix.length;
  return `rotate-${thingName.replaceAll(":", "_").slice(0, room)}-${hash}${suffix}`;
}

/** Starts rotation jobs in AWS IoT Jobs: one snapshot job per rotation, targeting one thing. */
export class IotJobStarter implements JobStarter {
  readonly #iot: IoTClient;
  readonly #thingArnOf: ((thingName: string) => string) | undefined;
  readonly #inProgressTimeoutMinutes: number;
  readonly #now: () => number;

  constructor(options: IotJobStarterOptions) {
    const merged = { ...DEFAULTS, ...options };
    this.#iot = merged.iot;
    this.#thingArnOf = merged.thingArnOf;
    this.#inProgressTimeoutMinutes = merged.inProgressTimeoutMinutes;
    this.#now = merged.now;
  }

  async startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }> {
    const jobId = rotationJobId(thingName, Math.floor(this.#now() / 1_000));
    const document: RotateCertificateJobDocument = { operation: "rotate-certificate", rotationId };
    const thingArn = await this.#thingArn(thingName);
    await callAws(IOT_SERVICE, "CreateJob", () =>
      this.#iot.send(
        new CreateJobCommand({
          jobId,
          targets: [thingArn],
          // SNAPSHOT: the job ends with this thing's execution; it never picks up other things.
          targetSelection: "SNAPSHOT",
          document: JSON.stringify(document),
          description: `Certificate rotation ${rotationId}`,
          timeoutConfig: { inProgressTimeoutInMinutes: this.#inProgressTimeoutMinutes },
        }),
      ),
    );
    return { jobId };
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
