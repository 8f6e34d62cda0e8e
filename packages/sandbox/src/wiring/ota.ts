import { join } from "node:path";
import {
  type OtaModule,
  otaModule,
  type ReleaseAppRequest,
  type ReleaseProgress,
} from "@fleet/core";
import type { ReleaseRecord } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { LocalArtifactStore } from "../adapters/local-artifact-store.ts";
import { LocalOtaJobs } from "../adapters/local-ota-jobs.ts";
import { LocalReleaseStore } from "../adapters/local-release-store.ts";
import { ARTIFACTS_DIR, type ArtifactServer } from "../artifacts/artifact-server.ts";
import type { SandboxReleaseKey } from "../artifacts/release-key.ts";
import { InvalidRequestError } from "../errors.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import type { JobStore } from "../jobs/job-store.ts";

export interface SandboxOta {
  /** `fleet ota release` (core's `createReleaseApp`); an unreadable artifact path is bad input. */
  createRelease(
    request: ReleaseAppRequest,
    onProgress?: (progress: ReleaseProgress) => void,
  ): Promise<ReleaseRecord>;
  /** Every release, newest first. */
  listReleases(): Promise<ReleaseRecord[]>;
  /** `fleet os-update|reboot|configure` (core's `createReleaseDeviceJob`). */
  releaseDeviceJob: OtaModule["releaseDeviceJob"];
  /** `fleet ota cancel` (core's `createCancelRelease`). */
  cancelRelease: OtaModule["cancel"];
  /** `fleet ota rollback` (core's `createRollbackRelease`). */
  rollbackRelease: OtaModule["rollback"];
  releases: LocalReleaseStore;
  /** Resolves once every release advance under way has finished. */
  settled(): Promise<void>;
}

/**
 * OTA releases through core's OTA module, over the sandbox's artifact directory (served by
 * the artifact server), its jobs and its release key. A stage's IoT rule on Jobs `completed`
 * and `canceled` events runs the module's `advance`; here the job store's events do (and the
 * ends of executions, as AWS's job-execution events).
 */
export function wireOta(options: {
  stateDir: string;
  jobs: JobStore;
  registry: IotRegistry;
  artifactServer: ArtifactServer;
  releaseKey: SandboxReleaseKey;
  clock: () => Date;
  logger: Logger;
}): SandboxOta {
  const { stateDir, jobs, logger } = options;
  const releases = new LocalReleaseStore(join(stateDir, "releases.json"));
  const ota = otaModule({
    artifacts: new LocalArtifactStore({
      dir: join(stateDir, ARTIFACTS_DIR),
      origin: options.artifactServer.origin,
    }),
    jobs: new LocalOtaJobs({ jobs, registry: options.registry }),
    releases,
    signer: options.releaseKey.signer,
    clock: options.clock,
    logger,
  });
  const advancing = new Set<Promise<unknown>>();
  const onJobEnded = (jobId: string) => {
    const run = ota.advance(jobId).catch((error: unknown) => {
      logger.error({ jobId, err: error }, "release not advanced");
    });
    advancing.add(run);
    void run.finally(() => advancing.delete(run));
  };
  jobs.events.on("jobCompleted", onJobEnded);
  jobs.events.on("jobCanceled", onJobEnded);
  // A continuous fleet job never ends: its executions' ends tell when the fleet converged.
  jobs.events.on("executionEnded", onJobEnded);
  return {
    async createRelease(request, onProgress) {
      try {
        return await ota.release(request, onProgress);
      } catch (error) {
        // The artifact is a path on this machine: one that cannot be read is bad input.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
          throw new InvalidRequestError(
            "artifactPath",
            `cannot read ${request.artifactPath} (${code})`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    async listReleases() {
      const all: ReleaseRecord[] = [];
      for await (const release of releases.list()) all.push(release);
      return all;
    },
    releaseDeviceJob: (request) => ota.releaseDeviceJob(request),
    cancelRelease: (request) => ota.cancel(request),
    rollbackRelease: (request) => ota.rollback(request),
    releases,
    settled: async () => {
      await Promise.all(advancing);
    },
  };
}
