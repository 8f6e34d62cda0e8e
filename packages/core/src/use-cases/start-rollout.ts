import type { JobDocument } from "../contracts/job-document.ts";
import type { ReleaseRecord, ReleaseTarget } from "../contracts/ota-release.ts";
import { checkPresignedUrlPlaceholders } from "../contracts/presigned-url-placeholder.ts";
import { InvalidReleaseRequestError, ReleaseTargetNotFoundError } from "../ota/ota-errors.ts";
import type { OtaJobSpec, OtaJobs } from "../ports/ota.ts";
import { describeError, silentLogger } from "./logger.ts";
import {
  type ReleaseControlDeps,
  releaseToSupersede,
  supersedeRelease,
} from "./supersede-release.ts";

// The rollout every release shares, an app artifact's or a device job document's (os-update,
// reboot, configure): canary group first, then the targets, as IoT jobs.

/** Percent of failed executions at which a release's job is canceled, unless the operator says. */
export const DEFAULT_ABORT_FAILURE_PCT = 10;
/**
 * Minutes a canary job may run before its executions not started are canceled (the device is
 * offline) and the release aborts, unless the operator says. A canary device offline for a
 * day is not a canary.
 */
export const DEFAULT_CANARY_DEADLINE_MINUTES = 24 * 60;
/**
 * AWS: a job's `endTime` is "a minimum of thirty minutes from the current time" and "no later
 * than two years from the current time" (API reference, SchedulingConfig). AWS measures from
 * when CreateJob arrives, so the shortest deadline leaves a minute for the call to get there.
 */
const CANARY_DEADLINE_MINUTES = { min: 31, max: 2 * 365 * 24 * 60 - 1 };

/** Where a release goes and how carefully: the part of every release request about its rollout. */
export interface RolloutRequest {
  /** Thing group or thing names the release is for. */
  targets: readonly string[];
  /** Group that gets the release first; the targets only once every canary device succeeded. */
  canaryGroup?: string | null | undefined;
  /** Default DEFAULT_ABORT_FAILURE_PCT. */
  abortFailurePct?: number | undefined;
  /**
   * Minutes from its creation after which the canary job is canceled with the executions that
   * have not started (offline canary devices), so the release aborts instead of stalling.
   * Default DEFAULT_CANARY_DEADLINE_MINUTES; 31 minutes to 2 years less a minute.
   */
  canaryDeadlineMinutes?: number | undefined;
}

/** A rollout request checked, defaults applied. */
export interface CheckedRollout {
  targets: readonly string[];
  canaryGroup: string | null;
  abortFailurePct: number;
  canaryDeadlineMinutes: number;
}

/** A checked rollout whose targets exist: groups and things told apart. */
export interface ResolvedRollout extends Omit<CheckedRollout, "targets"> {
  targets: ReleaseTarget[];
}

/** What is released: the record's identity fields. */
export type ReleaseIdentity = Pick<
  ReleaseRecord,
  "app" | "version" | "sha256" | "size" | "artifactKey"
>;

/** Percentages, deadline and targets in range (InvalidReleaseRequestError names the field). */
export function checkRolloutRequest(request: RolloutRequest): CheckedRollout {
  const abortFailurePct = request.abortFailurePct ?? DEFAULT_ABORT_FAILURE_PCT;
  if (!(abortFailurePct >= 0 && abortFailurePct <= 100)) {
    throw new InvalidReleaseRequestError(
      `abort failure percentage ${abortFailurePct} is out of range: expected 0 to 100`,
      { field: "abortFailurePct" },
    );
  }
  const canaryDeadlineMinutes = request.canaryDeadlineMinutes ?? DEFAULT_CANARY_DEADLINE_MINUTES;
  const { min, max } = CANARY_DEADLINE_MINUTES;
  if (!(canaryDeadlineMinutes >= min && canaryDeadlineMinutes <= max)) {
    throw new InvalidReleaseRequestError(
      `canary deadline of ${canaryDeadlineMinutes} minutes is out of range: expected ${min} to ${max}`,
      { field: "canaryDeadlineMinutes" },
    );
  }
  if (request.targets.length === 0) {
    throw new InvalidReleaseRequestError("a release needs at least one target", {
      field: "targets",
    });
  }
  return {
    targets: request.targets,
    canaryGroup: request.canaryGroup ?? null,
    abortFailurePct,
    canaryDeadlineMinutes,
  };
}

/** Unknown targets, or a canary "group" that is a thing: ReleaseTargetNotFoundError. */
export async function resolveRollout(
  jobs: OtaJobs,
  rollout: CheckedRollout,
): Promise<ResolvedRollout> {
  const targets = await jobs.resolveTargets(rollout.targets);
  if (rollout.canaryGroup !== null) await assertGroup(jobs, rollout.canaryGroup);
  return { ...rollout, targets };
}

/**
 * Creates the release record and its first job:
 * 1. The record: phase `canary` with a canary group, else `fleet`; it names the release it
 *    supersedes (same app, targets among these) once its fleet job starts, when that job is
 *    continuous.
 * 2. The first job, its presigned-URL placeholders checked first (AWS presigns at delivery: a
 *    malformed one would fail every device instead): the canary group's, ending at the canary
 *    deadline (executions not started by then are canceled, the job with them, and the release
 *    aborts), or the targets' at once. If that fails the release ends `failed` with the reason,
 *    and the error is rethrown.
 * 3. A fleet job supersedes the older release (`supersedeRelease`).
 * `documentFor` makes the job document from the record, once the record exists.
 */
export async function startRollout(
  deps: ReleaseControlDeps,
  rollout: ResolvedRollout,
  identity: ReleaseIdentity,
  documentFor: (record: ReleaseRecord) => JobDocument,
): Promise<ReleaseRecord> {
  const { jobs, releases, clock } = deps;
  const logger = deps.logger ?? silentLogger;
  const { targets, canaryGroup, abortFailurePct } = rollout;
  const supersedes =
    identity.app === REBOOT_RELEASE_APP
      ? null
      : await releaseToSupersede(releases, identity.app, targets);
  const now = clock();
  const releaseId = releaseIdFor(identity.app, identity.version, Math.floor(now.getTime() / 1_000));
  const first =
    canaryGroup === null
      ? { phase: "fleet" as const, jobId: `${releaseId}-fleet` }
      : { phase: "canary" as const, jobId: `${releaseId}-canary` };
  const record: ReleaseRecord = {
    releaseId,
    ...identity,
    targets,
    canaryGroup,
    abortFailurePct,
    phase: first.phase,
    canaryJobId: first.phase === "canary" ? first.jobId : null,
    fleetJobId: first.phase === "fleet" ? first.jobId : null,
    reason: null,
    ...(supersedes === null ? {} : { supersedes }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await releases.create(record);

  const jobTargets: ReleaseTarget[] =
    canaryGroup === null ? targets : [{ kind: "group", name: canaryGroup }];
  try {
    const document = documentFor(record);
    assertPlaceholders(document);
    const spec = releaseJobSpec(record, first.jobId, jobTargets, document);
    const endTime = new Date(now.getTime() + rollout.canaryDeadlineMinutes * 60_000).toISOString();
    await jobs.createJob(first.phase === "canary" ? { ...spec, endTime } : spec);
  } catch (error) {
    const reason = `${first.phase} job not created: ${describeError(error)}`;
    await releases.update(
      releaseId,
      { phase: "failed", reason, updatedAt: clock().toISOString() },
      first.phase,
    );
    logger.error({ releaseId, jobId: first.jobId, reason }, "release failed");
    throw error;
  }
  logger.info({ releaseId, jobId: first.jobId, phase: first.phase }, "release started");
  if (first.phase === "fleet") await supersedeRelease(deps, record);
  return record;
}

/** Release ids have to leave room for the `-canary` suffix in a 64-character job id. */
const RELEASE_ID_MAX = 56;

/** The release id `<app>-<version>-<epochSeconds>`, job-id safe and at most 56 characters. */
export function releaseIdFor(app: string, version: string, epochSeconds: number): string {
  const suffix = `-${epochSeconds}`;
  const head = `${app}-${version}`.replace(/[^a-zA-Z0-9_-]/g, "_");
  return `${head.slice(0, RELEASE_ID_MAX - suffix.length)}${suffix}`;
}

/**
 * The one "app" whose releases are actions, not states (`fleet reboot`): its fleet job is a
 * snapshot (a device joining later is not rebooted) and supersedes nothing.
 */
export const REBOOT_RELEASE_APP = "reboot";

/**
 * The spec of one of a release's jobs. The fleet job is continuous when a thing group is among
 * its targets: a device that joins the group later (or is re-provisioned into it) gets the
 * release too (a reboot excepted: an action, not a state). The canary job is a snapshot: it
 * has to end for the release to move on.
 */
export function releaseJobSpec(
  record: ReleaseRecord,
  jobId: string,
  targets: readonly ReleaseTarget[],
  document: JobDocument,
): OtaJobSpec {
  const continuous =
    jobId === record.fleetJobId &&
    record.app !== REBOOT_RELEASE_APP &&
    targets.some((target) => target.kind === "group");
  return {
    jobId,
    targets,
    document,
    description: `Release ${record.releaseId}: ${record.app} ${record.version}`,
    abortFailurePct: record.abortFailurePct,
    ...(continuous ? { continuous } : {}),
  };
}

function assertPlaceholders(document: JobDocument): void {
  const check = checkPresignedUrlPlaceholders(document);
  if (!check.ok) {
    throw new InvalidReleaseRequestError(`job document refused: ${check.reason}`, {
      field: "document",
    });
  }
}

async function assertGroup(jobs: OtaJobs, name: string): Promise<void> {
  const [resolved] = await jobs.resolveTargets([name]);
  if (resolved?.kind !== "group") {
    throw new ReleaseTargetNotFoundError(`canary group ${name} is a thing, not a thing group`, {
      names: [name],
    });
  }
}
