/** Starts and cancels the IoT jobs that drive a device through a rotation. */
export interface JobStarter {
  /**
   * Creates the job with the `rotate-certificate` document for one thing. Its job id IS the
   * rotation id (a UUID, a valid job id): the device names the rotation by the job it runs.
   */
  startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }>;
  /** Cancels the thing's execution of the job; cancelling a finished or gone one succeeds. */
  cancelJob(jobId: string, thingName: string, reason: string): Promise<void>;
}
