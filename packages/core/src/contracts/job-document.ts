import * as z from "zod";
import { ArtifactSignatureSchema } from "./artifact-signature.ts";

/**
 * The product's IoT job document (version "1"): an ordered list of steps the device client
 * runs one after the other, reporting each in the execution's status details. Every job the
 * product creates (OTA releases, OS updates, reboots, configuration, certificate rotation) is
 * one of these; a device REJECTS any other document with the reason `describeJobDocumentIssues`
 * gives.
 *
 * Documents are written by the cloud and read by devices that may be older, so each step is
 * strict: a field a device does not know means the document is for a newer device, and it is
 * rejected rather than half-applied.
 */

export const JOB_DOCUMENT_VERSION = "1";

/** Where a device downloads from: https, or http on loopback (the sandbox's artifact server). */
const ArtifactUrlSchema = z.string().refine(
  (url) => {
    if (!URL.canParse(url)) return false;
    const { protocol, hostname } = new URL(url);
    return protocol === "https:" || (protocol === "http:" && isLoopback(hostname));
  },
  { message: "expected an https URL (or http on 127.0.0.1/localhost, the sandbox)" },
);

function isLoopback(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

/** App and version names: they become directory names on the device. */
export const AppNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,63}$/,
    "an app name is 1-64 characters of lowercase letters, digits and '-', starting with a letter or digit",
  );
export const AppVersionSchema = z
  .string()
  .regex(
    /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/,
    "a version is 1-64 characters of letters, digits, '.', '+', '_' or '-' (e.g. 1.2.0)",
  );
export const Sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "expected a SHA-256 digest: 64 lowercase hex characters");

/** The largest artifact the product releases (and a device accepts). */
export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

/** Installs an application artifact (`app-artifact.ts`) and makes it the running version. */
export const AppUpdateStepSchema = z.strictObject({
  operation: z.literal("app-update"),
  app: AppNameSchema,
  version: AppVersionSchema,
  /** On AWS, the `${aws:iot:s3-presigned-url-v2:...}` placeholder IoT Jobs replaces on delivery. */
  url: ArtifactUrlSchema,
  sha256: Sha256HexSchema,
  size: z.number().int().positive().max(MAX_ARTIFACT_BYTES),
  /**
   * The release key's signature of app, version and sha256 (`artifact-signature.ts`). Optional
   * in the schema so that a device can say what is wrong (`SignatureMissing`) instead of
   * rejecting the document; a device installs nothing without a valid one.
   */
  signature: ArtifactSignatureSchema.optional(),
});
export type AppUpdateStep = z.infer<typeof AppUpdateStepSchema>;

/** Runs `commands` once per `version` (a device that already ran them skips), then reboots. */
export const OsUpdateStepSchema = z.strictObject({
  operation: z.literal("os-update"),
  version: AppVersionSchema,
  commands: z.array(z.string().min(1)).min(1).max(32),
});
export type OsUpdateStep = z.infer<typeof OsUpdateStepSchema>;

export const RebootStepSchema = z.strictObject({ operation: z.literal("reboot") });
export type RebootStep = z.infer<typeof RebootStepSchema>;

/** Device settings the cloud may change; absent fields keep their value. */
export const DeviceSettingsSchema = z.strictObject({
  /** Telemetry publish interval, 1 s to 1 h. */
  telemetryIntervalMs: z.number().int().min(1_000).max(3_600_000).optional(),
  led: z
    .strictObject({
      on: z.boolean().optional(),
      blinking: z.boolean().optional(),
      blinkHz: z.number().positive().max(50).optional(),
    })
    .optional(),
});
export type DeviceSettings = z.infer<typeof DeviceSettingsSchema>;

export const ConfigureStepSchema = z.strictObject({
  operation: z.literal("configure"),
  settings: DeviceSettingsSchema,
});
export type ConfigureStep = z.infer<typeof ConfigureStepSchema>;

/** The certificate rotation (`rotation.ts`); the job id names the rotation. */
export const RotateCertificateStepSchema = z.strictObject({
  operation: z.literal("rotate-certificate"),
});
export type RotateCertificateStep = z.infer<typeof RotateCertificateStepSchema>;

/** Every step a job document may hold: the one list the union and the operations come from. */
const STEP_SCHEMAS = [
  AppUpdateStepSchema,
  OsUpdateStepSchema,
  RebootStepSchema,
  ConfigureStepSchema,
  RotateCertificateStepSchema,
] as const;

export const JobStepSchema = z.discriminatedUnion("operation", STEP_SCHEMAS);
export type JobStep = z.infer<typeof JobStepSchema>;

export type JobOperation = JobStep["operation"];
export const JOB_OPERATIONS: readonly JobOperation[] = STEP_SCHEMAS.map(
  (schema) => schema.shape.operation.value,
);

/** At most this many steps: each one's progress has to fit the execution's status details. */
export const MAX_JOB_STEPS = 16;

export const JobDocumentSchema = z.strictObject({
  version: z.literal(JOB_DOCUMENT_VERSION),
  steps: z.array(JobStepSchema).min(1).max(MAX_JOB_STEPS),
});
export type JobDocument = z.infer<typeof JobDocumentSchema>;

export type JobDocumentCheck = { ok: true; document: JobDocument } | { ok: false; reason: string };

/**
 * Validates a job document as a device receives it. The reason names what was wrong, where
 * (a path such as `steps[1].sha256`) and what is expected; it is what the device reports in
 * the REJECTED execution's status details (so it is kept within their 1024 characters).
 */
export function checkJobDocument(document: unknown): JobDocumentCheck {
  const parsed = JobDocumentSchema.safeParse(document);
  if (parsed.success) return { ok: true, document: parsed.data };
  return { ok: false, reason: describeJobDocumentIssues(document, parsed.error).slice(0, 1024) };
}

function describeJobDocumentIssues(document: unknown, error: z.ZodError): string {
  // An unknown operation is the most common mistake (a newer release on an older device):
  // say so instead of listing what every other operation would have needed.
  const steps = isRecord(document) && Array.isArray(document.steps) ? document.steps : [];
  for (const [index, step] of steps.entries()) {
    const operation = isRecord(step) ? step.operation : undefined;
    if (!JOB_OPERATIONS.some((known) => known === operation)) {
      return `steps[${index}].operation: unknown operation ${JSON.stringify(operation ?? null)}; expected one of ${JOB_OPERATIONS.join(", ")}`;
    }
  }
  return error.issues
    .map((issue) => `${pathText(issue.path) || "document"}: ${issue.message}`)
    .join("; ");
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The document of a certificate rotation job (also the stage's rotation job template). */
export const ROTATE_CERTIFICATE_JOB_DOCUMENT: JobDocument = {
  version: JOB_DOCUMENT_VERSION,
  steps: [{ operation: "rotate-certificate" }],
};

/**
 * The description of a rotation's job on every target, so `fleet jobs` tells rotations (whose
 * job ids are UUIDs) from releases.
 */
export function rotationJobDescription(thingName: string): string {
  return `Certificate rotation of ${thingName}`;
}
