import { createAdvanceRelease } from "../use-cases/advance-release.ts";
import { readAppArtifact } from "../use-cases/read-app-artifact.ts";
import { createReleaseApp, type ReleaseAppDeps } from "../use-cases/release-app.ts";
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
  /** Reads and checks an app artifact on this machine (`readAppArtifact`; takes no port). */
  readonly readArtifact: typeof readAppArtifact;
}

/** OTA releases, wired once for a stage and the sandbox; each use case built on first read. */
export function otaModule(ports: OtaPorts): OtaModule {
  return lazyMembers<OtaModule>({
    // Spread: every port is read now, so a lazy bundle builds (and checks) them up front.
    release: () => createReleaseApp({ ...ports }),
    advance: () =>
      createAdvanceRelease({
        jobs: ports.jobs,
        releases: ports.releases,
        clock: ports.clock,
        logger: ports.logger,
      }),
    readArtifact: () => readAppArtifact,
  });
}
