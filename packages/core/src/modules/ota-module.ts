import { createAdvanceRelease } from "../use-cases/advance-release.ts";
import { createCancelRelease } from "../use-cases/cancel-release.ts";
import { readAppArtifact } from "../use-cases/read-app-artifact.ts";
import { createReleaseApp, type ReleaseAppDeps } from "../use-cases/release-app.ts";
import { createReleaseDeviceJob } from "../use-cases/release-device-job.ts";
import { createRollbackRelease } from "../use-cases/rollback-release.ts";
import type { ReleaseControlDeps } from "../use-cases/supersede-release.ts";
import { lazyMembers } from "./lazy-members.ts";

/**
 * What OTA releases run on: the artifact store, the jobs, the release records, the release key
 * (the ports of a release; advancing one takes a part of them).
 */
export type OtaPorts = ReleaseAppDeps;

export interface OtaModule {
  /** `fleet ota release`: stores, signs and rolls out an artifact (`createReleaseApp`). */
  readonly release: ReturnType<typeof createReleaseApp>;
  /** Moves a release on when one of its jobs ends (`createAdvanceRelease`). */
  readonly advance: ReturnType<typeof createAdvanceRelease>;
  /** `fleet os-update|reboot|configure`: a device job rolled out as a release. */
  readonly releaseDeviceJob: ReturnType<typeof createReleaseDeviceJob>;
  /** `fleet ota cancel`: stops a release's running job (`createCancelRelease`). */
  readonly cancel: ReturnType<typeof createCancelRelease>;
  /** `fleet ota rollback`: re-releases the previous version (`createRollbackRelease`). */
  readonly rollback: ReturnType<typeof createRollbackRelease>;
  /** Reads and checks an app artifact on this machine (`readAppArtifact`; takes no port). */
  readonly readArtifact: typeof readAppArtifact;
}

/** OTA releases, wired once for a stage and the sandbox; each use case built on first read. */
export function otaModule(ports: OtaPorts): OtaModule {
  return lazyMembers<OtaModule>({
    // Spread: every port is read now, so a lazy bundle builds (and checks) them up front.
    release: () => createReleaseApp({ ...ports }),
    advance: () => createAdvanceRelease(releaseControlPorts(ports)),
    releaseDeviceJob: () => createReleaseDeviceJob(releaseControlPorts(ports)),
    cancel: () => createCancelRelease(releaseControlPorts(ports)),
    rollback: () => createRollbackRelease(releaseControlPorts(ports)),
    readArtifact: () => readAppArtifact,
  });
}

/** The part of the ports moving a release on needs: no artifacts, no key. */
function releaseControlPorts(ports: OtaPorts): ReleaseControlDeps {
  return { jobs: ports.jobs, releases: ports.releases, clock: ports.clock, logger: ports.logger };
}
