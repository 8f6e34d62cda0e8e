import * as z from "zod";
import { DeadLetterSchema } from "../dead-letter.ts";
import { DeviceViewSchema } from "../device-view.ts";
import { SerialSchema } from "../identity.ts";
import { JobDetailSchema, JobSummarySchema } from "../ota-jobs.ts";
import { ReleaseRecordSchema } from "../ota-release.ts";
import { RotationRecordSchema } from "../rotation.ts";
import { READ_DEVICE_LOGS_ROUTE } from "./device-logs-route.ts";
import type { OperatorRoute } from "./operator-route.ts";
import {
  AllowListSnapshotSchema,
  AllowListUploadReportSchema,
  CommandOutcomeSchema,
  CommandSendRequestSchema,
  DeadLetterListOptionsSchema,
  DeviceJobReleaseRequestSchema,
  DeviceResetSchema,
  GroupMembershipSchema,
  MeasureListQuerySchema,
  ReleaseRequestSchema,
  RollbackRequestSchema,
  RotationRequestSchema,
  RotationStartResultSchema,
  TelemetryQuerySchema,
  TelemetrySampleSchema,
  ThingGroupSummarySchema,
} from "./operator-schemas.ts";
import {
  FlagParameterSchema,
  jsonBody,
  LimitParameterSchema,
  NoInputSchema,
  PercentParameterSchema,
  TimeParameterSchema,
} from "./wire-codecs.ts";

/** `/v1/groups/:group/things/:thing` ↔ the membership it names. */
const groupMembershipParams = z.codec(
  z.object({ params: GroupMembershipSchema }),
  GroupMembershipSchema,
  { decode: ({ params }) => params, encode: (membership) => ({ params: membership }) },
);

/** A file's bytes as they are (`bodyType: "bytes"`). */
const FileBodySchema = z.custom<Uint8Array>((body) => body instanceof Uint8Array, "not a file");

/**
 * The operator API: every operation the `fleet` CLI performs on a target, with its route on the
 * sandbox's loopback API. The sandbox's HTTP server and the CLI's sandbox client are both
 * derived from this table; a stage implements the same operations with AWS calls
 * (`FleetOperations`). Errors answer `{ error, ... }` with the status the server's error map
 * gives (400 naming the bad `field` or query `parameter`, 404, 409, 413, 504).
 */
export const OPERATOR_ROUTES = {
  /** Every device: things, plus allow-listed, denied and revoked serials without one. */
  listDevices: {
    method: "GET",
    path: "/v1/devices",
    request: NoInputSchema,
    reply: z.array(DeviceViewSchema),
  },
  /** Revokes the serial's certificates so that the device may provision again by claim. */
  resetDevice: {
    method: "POST",
    path: "/v1/devices/:serial/reset",
    request: z.codec(z.object({ params: z.object({ serial: SerialSchema }) }), z.string(), {
      decode: ({ params }) => params.serial,
      encode: (serial) => ({ params: { serial } }),
    }),
    reply: DeviceResetSchema,
  },
  readAllowList: {
    method: "GET",
    path: "/v1/allowlist",
    request: NoInputSchema,
    reply: AllowListSnapshotSchema,
  },
  /**
   * Parses, validates and diffs the list against the current one; unless `dryRun`, stores it
   * (and the sandbox reconciles at once). 400 with `issues` for an invalid list, 413 past the
   * size limit. An empty list needs `allowEmpty`; one removing more than `maxRevokePct`
   * (default 10) percent of the current list needs `confirmRevocations` (409 otherwise).
   */
  uploadAllowList: {
    method: "PUT",
    path: "/v1/allowlist",
    bodyType: "bytes",
    request: z.codec(
      z.object({
        query: z.object({
          allowEmpty: FlagParameterSchema,
          dryRun: FlagParameterSchema,
          confirmRevocations: FlagParameterSchema,
          maxRevokePct: PercentParameterSchema.optional(),
        }),
        body: FileBodySchema,
      }),
      z.object({
        body: FileBodySchema,
        allowEmpty: z.boolean(),
        dryRun: z.boolean(),
        confirmRevocations: z.boolean().optional(),
        maxRevokePct: z.number().optional(),
      }),
      {
        decode: ({ query, body }) => ({ body, ...query }),
        encode: ({ body, confirmRevocations, ...query }) => ({
          query: { ...query, confirmRevocations: confirmRevocations ?? false },
          body,
        }),
      },
    ),
    reply: AllowListUploadReportSchema,
  },
  /**
   * A device's samples, newest first. 404 for a device the fleet does not have, or a measure
   * the device did not send while it sent others; the reason names the nearest names.
   */
  queryTelemetry: {
    method: "GET",
    path: "/v1/telemetry",
    request: z.codec(
      z.object({
        query: z.object({
          device: z.string().min(1, "required: the thing name"),
          since: TimeParameterSchema,
          until: TimeParameterSchema.optional(),
          measure: z.string().min(1).optional(),
          limit: LimitParameterSchema.optional(),
        }),
      }),
      TelemetryQuerySchema,
      {
        decode: ({ query: { device, ...rest } }) => ({ thing: device, ...rest }),
        encode: ({ thing, ...rest }) => ({ query: { device: thing, ...rest } }),
      },
    ),
    reply: z.array(TelemetrySampleSchema),
  },
  /** The measure names a device sent since `since`, sorted; 404 for an unknown device. */
  listMeasures: {
    method: "GET",
    path: "/v1/telemetry/measures",
    request: z.codec(
      z.object({
        query: z.object({
          device: z.string().min(1, "required: the thing name"),
          since: TimeParameterSchema,
        }),
      }),
      MeasureListQuerySchema,
      {
        decode: ({ query: { device, since } }) => ({ thing: device, since }),
        encode: ({ thing, since }) => ({ query: { device: thing, since } }),
      },
    ),
    reply: z.array(z.string()),
  },
  /** Telemetry the ingest set aside, newest first, with the reasons. */
  listDeadLetters: {
    method: "GET",
    path: "/v1/dead-letters",
    request: z.codec(
      z.object({
        query: z.object({
          since: TimeParameterSchema.optional(),
          limit: LimitParameterSchema.optional(),
        }),
      }),
      DeadLetterListOptionsSchema,
      { decode: ({ query }) => query, encode: (options) => ({ query: options }) },
    ),
    reply: z.array(DeadLetterSchema),
  },
  /** Every job with its execution counts, newest first. */
  listJobs: {
    method: "GET",
    path: "/v1/jobs",
    request: NoInputSchema,
    reply: z.array(JobSummarySchema),
  },
  /** One job with its document and executions; null (404) for an unknown job. */
  describeJob: {
    method: "GET",
    path: "/v1/jobs/:jobId",
    request: z.codec(z.object({ params: z.object({ jobId: z.string() }) }), z.string(), {
      decode: ({ params }) => params.jobId,
      encode: (jobId) => ({ params: { jobId } }),
    }),
    reply: JobDetailSchema.nullable(),
    notFoundIsNull: true,
  },
  /**
   * Cancels a job: its QUEUED executions (with `force` its IN_PROGRESS ones too) are canceled
   * and the rollout stops. 404 for an unknown job, 409 for one already completed or canceled.
   */
  cancelJob: {
    method: "POST",
    path: "/v1/jobs/:jobId/cancel",
    request: z.codec(
      z.object({
        params: z.object({ jobId: z.string() }),
        body: z.strictObject({ force: z.boolean().default(false) }),
      }),
      z.object({ jobId: z.string(), force: z.boolean() }),
      {
        decode: ({ params, body }) => ({ jobId: params.jobId, force: body.force }),
        encode: ({ jobId, force }) => ({ params: { jobId }, body: { force } }),
      },
    ),
    reply: JobSummarySchema,
  },
  /** Stores the artifact, creates the release and its first job (201). */
  createRelease: {
    method: "POST",
    path: "/v1/releases",
    status: 201,
    request: jsonBody(ReleaseRequestSchema),
    reply: ReleaseRecordSchema,
  },
  /** Every release, newest first. */
  listReleases: {
    method: "GET",
    path: "/v1/releases",
    request: NoInputSchema,
    reply: z.array(ReleaseRecordSchema),
  },
  /** Sends a command to a device; the sandbox waits for its reply (504 when none came). */
  sendCommand: {
    method: "POST",
    path: "/v1/commands",
    request: jsonBody(CommandSendRequestSchema),
    reply: CommandOutcomeSchema,
  },
  /** Every rotation, newest first. */
  listRotations: {
    method: "GET",
    path: "/v1/rotations",
    request: NoInputSchema,
    reply: z.array(RotationRecordSchema),
  },
  /** 404 for an unknown device, 409 for one without an ACTIVE certificate. */
  startRotations: {
    method: "POST",
    path: "/v1/rotations",
    request: jsonBody(RotationRequestSchema),
    reply: RotationStartResultSchema,
  },
  // Device logs (`fleet logs`).
  readDeviceLogs: READ_DEVICE_LOGS_ROUTE,

  // Release control: `fleet ota cancel|rollback`, `fleet jobs show RELEASE`, `release --wait`.
  /**
   * Rolls out an os-update, reboot or configure job document as a release, canary first (201);
   * errors as `createRelease`'s.
   */
  createDeviceJobRelease: {
    method: "POST",
    path: "/v1/releases/device-jobs",
    status: 201,
    request: jsonBody(DeviceJobReleaseRequestSchema),
    reply: ReleaseRecordSchema,
  },
  /** One release; null (404) for an unknown one. */
  describeRelease: {
    method: "GET",
    path: "/v1/releases/:releaseId",
    request: z.codec(z.object({ params: z.object({ releaseId: z.string() }) }), z.string(), {
      decode: ({ params }) => params.releaseId,
      encode: (releaseId) => ({ params: { releaseId } }),
    }),
    reply: ReleaseRecordSchema.nullable(),
    notFoundIsNull: true,
  },
  /**
   * Cancels the release's running job (QUEUED executions, with `force` IN_PROGRESS ones too);
   * the release ends `aborted`. 404 for an unknown release, 409 for one with no job running.
   */
  cancelRelease: {
    method: "POST",
    path: "/v1/releases/:releaseId/cancel",
    request: z.codec(
      z.object({
        params: z.object({ releaseId: z.string() }),
        body: z.strictObject({ force: z.boolean().default(false) }),
      }),
      z.object({ releaseId: z.string(), force: z.boolean() }),
      {
        decode: ({ params, body }) => ({ releaseId: params.releaseId, force: body.force }),
        encode: ({ releaseId, force }) => ({ params: { releaseId }, body: { force } }),
      },
    ),
    reply: ReleaseRecordSchema,
  },
  /**
   * Re-releases the version before the app's current one to the same targets, straight to the
   * fleet (201). 404 when no earlier version reached the fleet, 409 for a release in canary.
   */
  rollbackRelease: {
    method: "POST",
    path: "/v1/releases/rollback",
    status: 201,
    request: jsonBody(RollbackRequestSchema),
    reply: ReleaseRecordSchema,
  },

  // Thing groups: `fleet groups`, `fleet devices add-to-group|remove-from-group`.
  /** Every thing group with its number of things. */
  listThingGroups: {
    method: "GET",
    path: "/v1/groups",
    request: NoInputSchema,
    reply: z.array(ThingGroupSummarySchema),
  },
  /** Adds the device to the group; 404 naming the group or the device that does not exist. */
  addThingToGroup: {
    method: "PUT",
    path: "/v1/groups/:group/things/:thing",
    request: groupMembershipParams,
    reply: GroupMembershipSchema,
  },
  /** Removes the device from the group; 404 naming the group or the device that does not exist. */
  removeThingFromGroup: {
    method: "DELETE",
    path: "/v1/groups/:group/things/:thing",
    request: groupMembershipParams,
    reply: GroupMembershipSchema,
  },
} as const satisfies Record<string, OperatorRoute>;

export type OperatorRouteTable = typeof OPERATOR_ROUTES;
