import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";
import { AppNameSchema, AppVersionSchema, Sha256HexSchema } from "./job-document.ts";

/**
 * An OTA release (`fleet ota release`): one artifact rolled out as IoT jobs, to the canary
 * group first and to the fleet targets only after every canary device succeeded.
 */

/** Thing group names: 1-128 characters of [a-zA-Z0-9:_-], like thing names. */
export const ThingGroupNameSchema = ThingNameSchema;

/** A release target: a thing group, or one thing. */
export const ReleaseTargetSchema = z.object({
  kind: z.enum(["group", "thing"]),
  name: ThingNameSchema,
});
export type ReleaseTarget = z.infer<typeof ReleaseTargetSchema>;

/**
 * - `canary`: the canary job runs; `fleet`: the fleet job runs; `completed`: the last job
 *   finished with every execution SUCCEEDED (a continuous fleet job: every device it reached so
 *   far ended; the job stays open for devices that join its groups later);
 * - `superseded`: a newer release of the app to the same targets took over; its continuous
 *   fleet job was canceled (executions in progress run on);
 * - `aborted`: a job's abort threshold canceled it (or a canary device failed): the fleet never
 *   gets the release; `failed`: a job could not be created.
 */
export const ReleasePhaseSchema = z.enum([
  "canary",
  "fleet",
  "completed",
  "superseded",
  "aborted",
  "failed",
]);
export type ReleasePhase = z.infer<typeof ReleasePhaseSchema>;

/** What `releaseIdFor` makes: job-id characters ending in `-<epochSeconds>`. */
export const RELEASE_ID_SHAPE = /^[a-zA-Z0-9_-]{1,45}-\d{1,10}$/;

export const ReleaseRecordSchema = z.object({
  /** `<app>-<version>-<epochSeconds>` made job-id safe; its jobs are `<releaseId>-canary|fleet`. */
  releaseId: z.string().regex(/^[a-zA-Z0-9_-]{1,56}$/),
  app: AppNameSchema,
  version: AppVersionSchema,
  sha256: Sha256HexSchema,
  size: z.number().int().positive(),
  /** Where the artifact is stored: the S3 key on a stage, the artifact server's key in the sandbox. */
  artifactKey: z.string().min(1),
  targets: z.array(ReleaseTargetSchema).min(1),
  canaryGroup: ThingGroupNameSchema.nullable(),
  /** Percent of executions FAILED/TIMED_OUT/REJECTED at which a job is canceled. */
  abortFailurePct: z.number().min(0).max(100),
  phase: ReleasePhaseSchema,
  canaryJobId: z.string().nullable(),
  fleetJobId: z.string().nullable(),
  reason: z.string().nullable(),
  /**
   * The release this one takes over from once its fleet job starts (same app, targets within
   * this one's): that release's continuous fleet job is canceled then. Absent: none.
   */
  supersedes: z.string().nullable().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ReleaseRecord = z.infer<typeof ReleaseRecordSchema>;

/** The job settings of every release; the stage's app-update job template presets the same. */
export const OTA_JOB_DEFAULTS = {
  presignExpiresInSec: 3600,
  maximumPerMinute: 50,
  inProgressTimeoutMinutes: 60,
  concurrency: 4,
} as const;
