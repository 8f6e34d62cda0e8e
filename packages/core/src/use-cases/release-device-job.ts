import { createHash } from "node:crypto";
import type {
  ConfigureStep,
  JobDocument,
  OsUpdateStep,
  RebootStep,
} from "../contracts/job-document.ts";
import type { ReleaseRecord } from "../contracts/ota-release.ts";
import {
  checkRolloutRequest,
  REBOOT_RELEASE_APP,
  type ReleaseIdentity,
  type RolloutRequest,
  resolveRollout,
  startRollout,
} from "./start-rollout.ts";
import type { ReleaseControlDeps } from "./supersede-release.ts";

/** The device jobs an operator rolls out besides apps (the job-document steps devices run). */
export type DeviceJobStep = OsUpdateStep | RebootStep | ConfigureStep;

/** `fleet os-update`, `fleet reboot`, `fleet configure`. */
export interface DeviceJobReleaseRequest extends RolloutRequest {
  step: DeviceJobStep;
}

/**
 * The "app" each kind of device job is released as: names no app artifact may use, so that a
 * device job supersedes (and rolls back to) only its own kind.
 */
export const DEVICE_JOB_APPS = {
  "os-update": "os",
  reboot: REBOOT_RELEASE_APP,
  configure: "config",
} as const;

/**
 * Rolls out a one-step job document (os-update, reboot, configure) as a release: canary group
 * first, then the targets, with the same abort criteria, deadline, cancel and rollback.
 * 1. Check and resolve the rollout (as `fleet ota release`).
 * 2. The release's identity: app `os` with the OS version, `config` or `reboot` with a short
 *    digest of the document as version; `sha256` and `size` are the document's, and
 *    `artifactKey` says it travels inline in the job.
 * 3. `startRollout`: a reboot's fleet job is a snapshot (an action, not a state); an OS update's
 *    or a configuration's is continuous, the desired state of devices that join later.
 */
export function createReleaseDeviceJob(deps: ReleaseControlDeps) {
  return async function releaseDeviceJob(request: DeviceJobReleaseRequest): Promise<ReleaseRecord> {
    const resolved = await resolveRollout(deps.jobs, checkRolloutRequest(request));
    const document: JobDocument = { version: "1", steps: [request.step] };
    return startRollout(deps, resolved, deviceJobIdentity(request.step, document), () => document);
  };
}

function deviceJobIdentity(step: DeviceJobStep, document: JobDocument): ReleaseIdentity {
  const bytes = Buffer.from(JSON.stringify(document));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    app: DEVICE_JOB_APPS[step.operation],
    version: step.operation === "os-update" ? step.version : sha256.slice(0, 12),
    sha256,
    size: bytes.byteLength,
    artifactKey: `inline:${step.operation}`,
  };
}
