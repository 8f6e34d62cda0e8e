/** Starts and cancels the IoT jobs that drive a device through a rotation. */
export interface JobStarter {
  /** Creates the job `rotate-<thing>-<epochSeconds>` with the `rotate-certificate` document. */
  startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }>;
  /** Cancels the thing's execution of the job; cancelling a finished or gone one succeeds. */
  cancelJob(jobId: string, thingName: string, reason: string): Promise<void>;
}
