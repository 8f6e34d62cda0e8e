import * as z from "zod";
import { CommandAcceptedSchema, CommandRejectedSchema } from "../commands.ts";
import { ThingNameSchema } from "../identity.ts";
import {
  AppNameSchema,
  ConfigureStepSchema,
  OsUpdateStepSchema,
  RebootStepSchema,
} from "../job-document.ts";
import { RotationRecordSchema } from "../rotation.ts";
import { IsoDateSchema } from "./wire-codecs.ts";

/**
 * What the operator operations take and answer, as the sandbox API and the stage carry them.
 * Each schema is the shape of the core type of the same name (`DeviceReset`,
 * `ReconcileSummary`, `TelemetrySample`, ...), so either side can check what it is given.
 */

/** `fleet devices reset`: the certificates the reset revoked. */
export const DeviceResetSchema = z.object({
  serial: z.string(),
  thingName: z.string(),
  revoked: z.array(z.string()),
});

/** The current allow-list: serials sorted, version null before any upload. */
export const AllowListSnapshotSchema = z.object({
  version: z.string().nullable(),
  serials: z.array(z.string()),
  count: z.number().int().nonnegative(),
});
export type AllowListSnapshot = z.infer<typeof AllowListSnapshotSchema>;

const AllowListIssueSchema = z.object({ line: z.number(), text: z.string(), message: z.string() });

const AllowListDuplicateSchema = z.object({
  serial: z.string(),
  lines: z.array(z.number()),
});

const AllowListDiffSchema = z.object({
  added: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int(),
  addedSample: z.array(z.string()),
  removedSample: z.array(z.string()),
});

/** Core's `ReconcileSummary`: what the reconcile after an upload removed, and its failures. */
export const ReconcileSummarySchema = z.object({
  status: z.enum(["reconciled", "invalid-list", "no-list", "unconfirmed-revocations"]),
  version: z.string().nullable(),
  listed: z.number().int(),
  registered: z.number().int(),
  removed: z.array(z.object({ serial: z.string(), thingName: z.string() })),
  failures: z.array(
    z.object({
      serial: z.string(),
      thingName: z.string(),
      step: z.enum([
        "record-ledger",
        "list-certificates",
        "revoke-certificate",
        "revoke-at-ca",
        "detach-policies",
        "detach-thing-principal",
        "delete-certificate",
        "delete-thing",
      ]),
      certificateId: z.string().nullable(),
      reason: z.string(),
    }),
  ),
  issues: z.array(AllowListIssueSchema),
});

/**
 * `fleet allowlist upload`: the list as read (format, serial count, duplicate warnings), its
 * diff against the list it replaces, and (unless a dry run) the stored version and the
 * reconcile it triggered: at once in the sandbox, null on a stage (its reconcile runs on the
 * S3 event).
 */
export const AllowListUploadReportSchema = z.object({
  format: z.enum(["text", "json"]),
  serials: z.number().int().nonnegative(),
  duplicates: z.array(AllowListDuplicateSchema),
  /** The list replaced; null when there was none. */
  currentVersion: z.string().nullable(),
  diff: AllowListDiffSchema,
  /** The stored version; null on a dry run. */
  version: z.string().nullable(),
  reconcile: ReconcileSummarySchema.nullable(),
});
export type AllowListUploadReport = z.infer<typeof AllowListUploadReportSchema>;

/** Core's `TelemetryQuery`. */
export const TelemetryQuerySchema = z.object({
  thing: z.string(),
  since: z.date(),
  until: z.date().optional(),
  measure: z.string().optional(),
  limit: z.number().int().optional(),
});

/** Core's `MeasureListQuery`: `fleet telemetry measures`. */
export const MeasureListQuerySchema = z.object({ thing: z.string(), since: z.date() });

/** Core's `TelemetrySample`, its time ISO 8601 on the wire. */
export const TelemetrySampleSchema = z.object({
  thing: z.string(),
  time: IsoDateSchema,
  seq: z.number(),
  measure: z.string(),
  value: z.union([z.number(), z.string(), z.boolean()]),
});

/** Core's `DeadLetterListOptions`. */
export const DeadLetterListOptionsSchema = z.object({
  since: z.date().optional(),
  limit: z.number().int().optional(),
});

/** `fleet ota release`: the artifact (a path on the target's machine) and the rollout. */
export const ReleaseRequestSchema = z.strictObject({
  artifactPath: z.string().min(1),
  targets: z.array(z.string().min(1)).min(1),
  canaryGroup: z.string().min(1).optional(),
  abortFailurePct: z.number().min(0).max(100).optional(),
  canaryDeadlineMinutes: z.number().positive().optional(),
});
export type ReleaseRequest = z.infer<typeof ReleaseRequestSchema>;

/** `fleet os-update|reboot|configure`: one device job step, rolled out as a release. */
export const DeviceJobReleaseRequestSchema = z.strictObject({
  step: z.discriminatedUnion("operation", [
    OsUpdateStepSchema,
    RebootStepSchema,
    ConfigureStepSchema,
  ]),
  targets: z.array(z.string().min(1)).min(1),
  canaryGroup: z.string().min(1).optional(),
  abortFailurePct: z.number().min(0).max(100).optional(),
  canaryDeadlineMinutes: z.number().positive().optional(),
});

/** `fleet ota rollback [--app NAME]`: without an app, the newest release's. */
export const RollbackRequestSchema = z.strictObject({ app: AppNameSchema.optional() });
export type RollbackRequest = z.infer<typeof RollbackRequestSchema>;

/** A thing group with the number of things in it (`fleet groups`). */
export const ThingGroupSummarySchema = z.object({
  name: ThingNameSchema,
  thingCount: z.number().int().nonnegative(),
});
export type ThingGroupSummary = z.infer<typeof ThingGroupSummarySchema>;

/** A device's membership of a thing group (`fleet devices add-to-group|remove-from-group`). */
export const GroupMembershipSchema = z.object({ group: ThingNameSchema, thing: ThingNameSchema });
export type GroupMembership = z.infer<typeof GroupMembershipSchema>;

/** A cloud-to-device command (`cmd/{thing}/{command}`), params already validated. */
export const CommandSendRequestSchema = z.strictObject({
  thingName: ThingNameSchema,
  command: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a command name is 1-64 of [a-zA-Z0-9_-]"),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type CommandSendRequest = z.infer<typeof CommandSendRequestSchema>;

/**
 * What became of a command: the device's reply (`accepted`, `rejected`), or `published` when
 * the target does not wait for it (a stage publishes through the IoT data plane; the device's
 * reply goes to its own topic).
 */
export const CommandOutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("accepted"), reply: CommandAcceptedSchema }),
  z.object({ status: z.literal("rejected"), reply: CommandRejectedSchema }),
  z.object({ status: z.literal("published"), requestId: z.string(), topic: z.string() }),
]);
export type CommandOutcome = z.infer<typeof CommandOutcomeSchema>;

/** `fleet rotation start`: one device, or every device expiring within a window. */
export const RotationRequestSchema = z.union([
  z.strictObject({ device: ThingNameSchema }),
  z.strictObject({ expiringWithinMs: z.number().int().nonnegative() }),
]);
export type RotationRequest = z.infer<typeof RotationRequestSchema>;

/**
 * Rotations started (or already in progress: starting is idempotent), and the devices whose
 * rotation could not start. The sandbox answers the started records only: a device it cannot
 * rotate fails the whole request.
 */
export const RotationStartResultSchema = z.codec(
  z.array(RotationRecordSchema),
  z.object({
    started: z.array(RotationRecordSchema),
    failures: z.array(z.object({ device: z.string(), message: z.string() })),
  }),
  { decode: (started) => ({ started, failures: [] }), encode: (result) => result.started },
);
export type RotationStartResult = z.output<typeof RotationStartResultSchema>;
